/* mkthins POOL FROM TO SECTORS: creates thin devices FROM..TO-1 in POOL (create_thin) and a dm
   device t<i> for each (SECTORS long), in one process: 10,000 of them take seconds, not the
   minutes two dmsetup runs per volume would under emulation. Run with DM_DISABLE_UDEV=1. */
#include <libdevmapper.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: mkthins POOL FROM TO SECTORS\n");
        return 2;
    }
    const char *pool = argv[1];
    long from = atol(argv[2]), to = atol(argv[3]);
    unsigned long long sectors = strtoull(argv[4], NULL, 10);
    char path[256], msg[64], name[64], params[300];
    snprintf(path, sizeof path, "/dev/mapper/%s", pool);
    dm_udev_set_sync_support(0);
    for (long i = from; i < to; i++) {
        struct dm_task *m = dm_task_create(DM_DEVICE_TARGET_MSG);
        snprintf(msg, sizeof msg, "create_thin %ld", i);
        if (!m || !dm_task_set_name(m, pool) || !dm_task_set_sector(m, 0) || !dm_task_set_message(m, msg) || !dm_task_run(m)) {
            fprintf(stderr, "mkthins: %s failed\n", msg);
            return 1;
        }
        dm_task_destroy(m);
        struct dm_task *c = dm_task_create(DM_DEVICE_CREATE);
        snprintf(name, sizeof name, "t%ld", i);
        snprintf(params, sizeof params, "%s %ld", path, i);
        if (!c || !dm_task_set_name(c, name) || !dm_task_add_target(c, 0, sectors, "thin", params) || !dm_task_run(c)) {
            fprintf(stderr, "mkthins: creating %s failed\n", name);
            return 1;
        }
        dm_task_destroy(c);
    }
    return 0;
}
