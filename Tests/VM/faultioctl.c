/* faultioctl.so: LD_PRELOAD fault injection for device-mapper ioctls, beneath libdevmapper and
 * the exporter's own raw ioctls. FAULT_IOCTL=OP:ERRNO[,OP:ERRNO...] makes every matching dm
 * ioctl fail with that errno; FAULT_DEVICE=NAME limits it to ioctls naming that device.
 * OP: LIST INFO TABLE STATUS RELOAD SUSPEND (suspend or resume) RESUME (a resume only) MESSAGE
 * WAITEVENT ARMPOLL VERSION; ERRNO: EPERM
 * EACCES ENXIO ENODEV EBUSY EINVAL ENOMEM ENOTTY EIO. Used by Tests/VM/scenarios/faults.sh.
 * FAULT_DELAY=OP:MS[,...] makes every matching ioctl (FAULT_DEVICE applies) wait MS ms before
 * it runs, and FAULT_MARK=FILE appends "OP\n" to FILE as that wait starts: a kill timed by the
 * mark lands inside the operation (Tests/VM/scenarios/kill-autoextend.sh). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/dm-ioctl.h>

static const struct { const char *name; unsigned long cmd; } ops[] = {
    {"LIST", DM_LIST_DEVICES}, {"INFO", DM_DEV_STATUS}, {"TABLE", DM_TABLE_STATUS}, {"STATUS", DM_TABLE_STATUS},
    {"RELOAD", DM_TABLE_LOAD}, {"SUSPEND", DM_DEV_SUSPEND}, {"MESSAGE", DM_TARGET_MSG}, {"WAITEVENT", DM_DEV_WAIT},
    {"ARMPOLL", DM_DEV_ARM_POLL}, {"VERSION", DM_VERSION}, {"RESUME", DM_DEV_SUSPEND},
};
static const struct { const char *name; int value; } errnos[] = {
    {"EPERM", EPERM}, {"EACCES", EACCES}, {"ENXIO", ENXIO}, {"ENODEV", ENODEV}, {"EBUSY", EBUSY},
    {"EINVAL", EINVAL}, {"ENOMEM", ENOMEM}, {"ENOTTY", ENOTTY}, {"EIO", EIO},
};

/* TABLE and STATUS are one ioctl; DM_STATUS_TABLE_FLAG tells them apart. */
static int matches(const char *op, unsigned long cmd, struct dm_ioctl *dmi) {
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
        if (strcmp(ops[i].name, op) != 0 || ops[i].cmd != cmd) continue;
        if (cmd == DM_TABLE_STATUS && dmi) {
            int table = (dmi->flags & DM_STATUS_TABLE_FLAG) != 0;
            if (table != (strcmp(op, "TABLE") == 0)) continue;
        }
        /* DM_DEV_SUSPEND without DM_SUSPEND_FLAG is a resume. */
        if (strcmp(op, "RESUME") == 0 && (!dmi || (dmi->flags & DM_SUSPEND_FLAG))) continue;
        return 1;
    }
    return 0;
}

/* In SPEC ("OP:VALUE,..."), the first item whose OP matches: its OP and VALUE copied out. */
static int lookup(const char *spec, unsigned long request, struct dm_ioctl *dmi, char *op, char *value, size_t size) {
    char buf[256];
    strncpy(buf, spec, sizeof buf - 1);
    buf[sizeof buf - 1] = 0;
    for (char *save, *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(item, ':');
        if (!colon) continue;
        *colon = 0;
        if (!matches(item, request, dmi)) continue;
        snprintf(op, size, "%s", item);
        snprintf(value, size, "%s", colon + 1);
        return 1;
    }
    return 0;
}

/* FAULT_DELAY: waits MS before the ioctl, first appending its OP to FAULT_MARK. */
static void delay(const char *op, long ms) {
    const char *mark = getenv("FAULT_MARK");
    if (mark && *mark) {
        int fd = open(mark, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0) {
            char line[64];
            int n = snprintf(line, sizeof line, "%s\n", op);
            if (write(fd, line, (size_t)n) < 0) { /* best effort */ }
            close(fd);
        }
    }
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {}
}

int ioctl(int fd, unsigned long request, ...) {
    static int (*real)(int, unsigned long, ...);
    if (!real) real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
    va_list ap;
    va_start(ap, request);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    const char *faults = getenv("FAULT_IOCTL");
    const char *delays = getenv("FAULT_DELAY");
    if ((faults || delays) && _IOC_TYPE(request) == DM_IOCTL) {
        struct dm_ioctl *dmi = arg;
        const char *device = getenv("FAULT_DEVICE");
        if (device && !*device) device = NULL;
        if (!device || (dmi && strncmp(dmi->name, device, DM_NAME_LEN) == 0)) {
            char op[64], value[64];
            if (delays && lookup(delays, request, dmi, op, value, sizeof op)) {
                int saved = errno;
                delay(op, atol(value));
                errno = saved;
            }
            if (faults && lookup(faults, request, dmi, op, value, sizeof op)) {
                for (size_t i = 0; i < sizeof errnos / sizeof *errnos; i++) {
                    if (strcmp(errnos[i].name, value) == 0) { errno = errnos[i].value; return -1; }
                }
            }
        }
    }
    return real(fd, request, arg);
}
