/* floor: what reading device-mapper costs a C program, the floors scripts/bench-vm.sh holds
   thinpool-exporter to. Prints microseconds per read.

     floor lib-pool N POOL    one pool's status (no flush) through libdevmapper, N times
     floor raw-pool N POOL    the same as one raw DM_TABLE_STATUS on one control fd and one
                              reused buffer: the physical floor of the alert path
     floor raw-pool-statfs N POOL FILE
                              that ioctl and a statfs of FILE: the floor for a loop-backed
                              pool, whose Available docker caps by the loop file's filesystem
     floor lib-naive N        a collection through libdevmapper: LIST, then STATUS and TABLE of
                              every device (a first read, nothing known yet)
     floor lib-status N       LIST and STATUS of every device through libdevmapper (tables known)
     floor raw-status N       the same with raw ioctls, one fd, reused buffers

   Each read walks the targets it gets back (counted in the output), as a reader must. */
#include <errno.h>
#include <fcntl.h>
#include <libdevmapper.h>
#include <linux/dm-ioctl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* libdevmapper: one task per read, as a straightforward program writes it. */
static long lib_read(const char *name, int type) {
    struct dm_task *t = dm_task_create(type);
    long n = 0;
    if (!t) return 0;
    dm_task_set_name(t, name);
    if (type == DM_DEVICE_STATUS) dm_task_no_flush(t);
    if (dm_task_run(t)) {
        void *next = NULL;
        uint64_t s, l;
        char *ty, *p;
        struct dm_info info;
        dm_task_get_info(t, &info);
        do {
            next = dm_get_next_target(t, next, &s, &l, &ty, &p);
            if (ty) n++;
        } while (next);
    }
    dm_task_destroy(t);
    return n;
}

static long lib_collection(int tables) {
    long targets = 0;
    struct dm_task *t = dm_task_create(DM_DEVICE_LIST);
    if (!t || !dm_task_run(t)) {
        fprintf(stderr, "LIST failed\n");
        exit(1);
    }
    struct dm_names *n = dm_task_get_names(t);
    if (n && n->dev)
        for (;;) {
            targets += lib_read(n->name, DM_DEVICE_STATUS);
            if (tables) targets += lib_read(n->name, DM_DEVICE_TABLE);
            if (!n->next) break;
            n = (struct dm_names *)((char *)n + n->next);
        }
    dm_task_destroy(t);
    return targets;
}

/* Raw: one control fd; one buffer for LIST and one for STATUS, each grown once and reused.
   Kept apart because the kernel copies a request's whole buffer in on every ioctl: a STATUS in
   the buffer a LIST of 10,000 devices grew to would cost as much as the LIST. */
static int fd = -1;
struct rawbuf {
    struct dm_ioctl *io;
    size_t size;
};
static struct rawbuf listbuf = {NULL, 16384}, statusbuf = {NULL, 16384};

static int raw_ioctl(struct rawbuf *b, unsigned long cmd, const char *name, uint32_t flags) {
    for (;;) {
        memset(b->io, 0, sizeof *b->io);
        b->io->version[0] = DM_VERSION_MAJOR;
        b->io->data_size = (uint32_t)b->size;
        b->io->data_start = sizeof *b->io;
        if (name) strncpy(b->io->name, name, sizeof b->io->name - 1);
        b->io->flags = flags;
        if (ioctl(fd, cmd, b->io) < 0) return -errno;
        if (!(b->io->flags & DM_BUFFER_FULL_FLAG)) return 0;
        b->size *= 4;
        b->io = realloc(b->io, b->size);
    }
}

static long raw_status(const char *name) {
    if (raw_ioctl(&statusbuf, DM_TABLE_STATUS, name, DM_NOFLUSH_FLAG) < 0) return 0;
    struct dm_ioctl *io = statusbuf.io;
    char *first = (char *)io + io->data_start, *at = first;
    long n = 0;
    for (uint32_t i = 0; i < io->target_count; i++) {
        struct dm_target_spec *spec = (struct dm_target_spec *)at;
        if (spec->target_type[0]) n++;
        at = first + spec->next;
    }
    return n;
}

static long raw_collection(void) {
    if (raw_ioctl(&listbuf, DM_LIST_DEVICES, NULL, 0) < 0) {
        fprintf(stderr, "LIST failed\n");
        exit(1);
    }
    long targets = 0;
    struct dm_name_list *nl = (struct dm_name_list *)((char *)listbuf.io + listbuf.io->data_start);
    if (nl->dev)
        for (;;) {
            targets += raw_status(nl->name);
            if (!nl->next) break;
            nl = (struct dm_name_list *)((char *)nl + nl->next);
        }
    return targets;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: floor MODE ITERATIONS [POOL]\n");
        return 2;
    }
    const char *mode = argv[1];
    int iters = atoi(argv[2]);
    const char *pool = argc > 3 ? argv[3] : NULL;
    const char *file = argc > 4 ? argv[4] : "/";
    fd = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
    listbuf.io = malloc(listbuf.size);
    statusbuf.io = malloc(statusbuf.size);
    if (fd < 0 || !listbuf.io || !statusbuf.io) {
        perror("/dev/mapper/control");
        return 1;
    }
    long targets = 0;
    double t0 = now();
    for (int i = 0; i < iters; i++) {
        if (!strcmp(mode, "lib-pool")) targets += lib_read(pool, DM_DEVICE_STATUS);
        else if (!strcmp(mode, "raw-pool")) targets += raw_status(pool);
        else if (!strcmp(mode, "raw-pool-statfs")) {
            struct statfs st;
            targets += raw_status(pool);
            if (statfs(file, &st) == 0 && st.f_bfree > 0) targets++;
        }
        else if (!strcmp(mode, "lib-naive")) targets += lib_collection(1);
        else if (!strcmp(mode, "lib-status")) targets += lib_collection(0);
        else if (!strcmp(mode, "raw-status")) targets += raw_collection();
        else {
            fprintf(stderr, "floor: unknown mode %s\n", mode);
            return 2;
        }
    }
    double dt = now() - t0;
    printf("C floor (%s): %.0f us per read (%d iterations, %ld targets read)\n", mode, dt / iters * 1e6, iters, targets);
    return 0;
}
