// Why this file exists: Swift cannot call C-variadic functions or define one.
// - libdevmapper's log callback (dm_log_with_errno_fn) is variadic: a C trampoline formats the
//   message with vsnprintf and hands a plain string to Swift.
// - struct dm_name_list ends in a flexible array member, which Swift does not import; the event
//   number and uuid the kernel stores after each name need pointer arithmetic on it.
// - DM_LIST_DEVICES runs here too: through libdevmapper, a list too big for its buffer makes it
//   double its buffer size for every later call of the process, so each STATUS afterwards
//   copies a much larger buffer in and out of the kernel (measured: +90 us per read under
//   TCG with 1000 devices). Our own call also asks for uuids (DM_UUID_FLAG).
// - ioctl(2) is variadic. LOOP_SET_CAPACITY (growing a loop device after its file) too. The event ioctls (DM_DEV_ARM_POLL, DM_DEV_WAIT) run on a control fd of
//   our own: ARM_POLL arms the fd it is issued on, and libdevmapper does not expose its fd; a
//   wait on our own fd also needs none of libdevmapper's process-global, unlocked state, so a
//   waiting thread never blocks the reader's lock.
#include "CDeviceMapperShims.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <libdevmapper.h>
#include <linux/dm-ioctl.h>
#include <linux/loop.h>

static cdm_log_sink current_sink;
static int current_max_level;

static void cdm_log_trampoline(int level, const char *file, int line, int dm_errno_or_class,
                               const char *f, ...) {
    // The level carries flags above the syslog value (_LOG_STDERR 0x80, _LOG_ONCE ...).
    int lvl = level & 7;
    if (!current_sink || lvl > current_max_level) return;
    char buf[1024];
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, sizeof buf, f, ap);
    va_end(ap);
    current_sink(lvl, file, line, dm_errno_or_class, buf);
}

static void cdm_log_discard(int level, const char *file, int line, int dm_errno_or_class,
                            const char *f, ...) {
    (void)level; (void)file; (void)line; (void)dm_errno_or_class; (void)f;
}

void cdm_log_install(cdm_log_sink sink, int max_level) {
    current_sink = sink;
    current_max_level = max_level;
    dm_log_with_errno_init(sink ? cdm_log_trampoline : cdm_log_discard);
}

int cdm_control_open(const char *path) {
    int fd = open(path, O_RDWR | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

static void cdm_ioctl_header(struct dm_ioctl *dmi, size_t size) {
    memset(dmi, 0, size);
    dmi->version[0] = DM_VERSION_MAJOR;
    dmi->version[1] = 0;
    dmi->version[2] = 0;
    dmi->data_size = (uint32_t)size;
    dmi->data_start = sizeof(struct dm_ioctl);
}

int cdm_arm_poll(int fd) {
    struct dm_ioctl dmi;
    cdm_ioctl_header(&dmi, sizeof dmi);
    return ioctl(fd, DM_DEV_ARM_POLL, &dmi) < 0 ? -errno : 0;
}

int cdm_poll_event(int fd) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int n = poll(&p, 1, 0);
    if (n < 0) return -errno;
    return n > 0 && (p.revents & POLLIN) ? 1 : 0;
}

int cdm_wait_event(int fd, const char *name, uint32_t event_nr, uint32_t *new_event_nr) {
    // The kernel fills in the device's status after the wait; room for a few targets' lines.
    size_t size = 16384;
    struct dm_ioctl *dmi = malloc(size);
    if (!dmi) return -ENOMEM;
    cdm_ioctl_header(dmi, size);
    if (strlen(name) >= sizeof dmi->name) { free(dmi); return -ENAMETOOLONG; }
    strcpy(dmi->name, name);
    dmi->event_nr = event_nr;
    // After the wait the kernel fills in the device's table or status: the table, because a
    // thin-pool's status takes the metadata lock, which the very writes that raised the event
    // may hold -- the waiter would return late.
    dmi->flags = DM_STATUS_TABLE_FLAG;
    int r = ioctl(fd, DM_DEV_WAIT, dmi) < 0 ? -errno : 0;
    if (r == 0 && new_event_nr) *new_event_nr = dmi->event_nr;
    free(dmi);
    return r;
}

int cdm_list_devices(int fd, cdm_list_sink sink, void *context) {
    size_t size = 16384;
    for (;;) {
        struct dm_ioctl *dmi = malloc(size);
        if (!dmi) return -ENOMEM;
        cdm_ioctl_header(dmi, size);
        dmi->flags = DM_UUID_FLAG;
        if (ioctl(fd, DM_LIST_DEVICES, dmi) < 0) {
            int e = errno;
            free(dmi);
            return -e;
        }
        if (dmi->flags & DM_BUFFER_FULL_FLAG) {
            free(dmi);
            if (size >= (64u << 20)) return -ENOBUFS;
            size *= 4;
            continue;
        }
        // The reply's version is the kernel's: event numbers follow names from 4.37 on.
        int has_event_nr = dmi->version[0] > 4 || (dmi->version[0] == 4 && dmi->version[1] >= 37);
        int count = 0;
        char *start = (char *)dmi + dmi->data_start;
        char *end = (char *)dmi + dmi->data_size;
        struct dm_name_list *nl = (struct dm_name_list *)start;
        if ((char *)nl + sizeof *nl <= end && nl->dev != 0) {
            for (;;) {
                const char *name = nl->name;
                uint32_t event_nr = 0;
                const char *uuid = NULL;
                if (has_event_nr) {
                    uintptr_t p = ((uintptr_t)(name + strlen(name) + 1) + 7) & ~(uintptr_t)7;
                    uint32_t words[2];
                    memcpy(words, (const void *)p, sizeof words);
                    event_nr = words[0];
                    if (words[1] & DM_NAME_LIST_FLAG_HAS_UUID) {
                        uuid = (const char *)(((p + 8) + 7) & ~(uintptr_t)7);
                    } else if (words[1] & DM_NAME_LIST_FLAG_DOESNT_HAVE_UUID) {
                        uuid = "";
                    }
                }
                sink(context, name, nl->dev, event_nr, has_event_nr, uuid);
                count++;
                if (!nl->next) break;
                nl = (struct dm_name_list *)((char *)nl + nl->next);
                if ((char *)nl + sizeof *nl > end) break;
            }
        }
        free(dmi);
        return count;
    }
}

int cdm_driver_version(int fd, uint32_t version[3]) {
    struct dm_ioctl dmi;
    cdm_ioctl_header(&dmi, sizeof dmi);
    if (ioctl(fd, DM_VERSION, &dmi) < 0) return -errno;
    memcpy(version, dmi.version, sizeof dmi.version);
    return 0;
}

int cdm_loop_set_capacity(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    int r = ioctl(fd, LOOP_SET_CAPACITY, 0) < 0 ? -errno : 0;
    close(fd);
    return r;
}
