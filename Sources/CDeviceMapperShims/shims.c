// Why this file exists: Swift cannot call C-variadic functions or define one.
// - libdevmapper's log callback (dm_log_with_errno_fn) is variadic: a C trampoline formats the
//   message with vsnprintf and hands a plain string to Swift.
// - struct dm_name_list ends in a flexible array member, which Swift does not import; the event
//   number and uuid the kernel stores after each name need pointer arithmetic on it.
// - DM_LIST_DEVICES runs here too: through libdevmapper, a list too big for its buffer makes it
//   double its buffer size for every later call of the process, so each STATUS afterwards
//   would copy a much larger buffer in and out of the kernel. Our own call also asks for
//   uuids (DM_UUID_FLAG).
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

/* Makes `buffer` hold at least `size` bytes. */
static int cdm_buffer_reserve(cdm_buffer *buffer, size_t size) {
    if (buffer->size >= size) return 0;
    void *grown = realloc(buffer->data, size);
    if (!grown) return -ENOMEM;
    buffer->data = grown;
    buffer->size = size;
    return 0;
}

int cdm_list_devices(int fd, cdm_buffer *buffer, cdm_list_sink sink, void *context) {
    if (cdm_buffer_reserve(buffer, 16384) < 0) return -ENOMEM;
    struct dm_ioctl *dmi;
    for (;;) {
        dmi = buffer->data;
        cdm_ioctl_header(dmi, sizeof *dmi);
        dmi->data_size = (uint32_t)buffer->size;
        dmi->flags = DM_UUID_FLAG;
        if (ioctl(fd, DM_LIST_DEVICES, dmi) < 0) return -errno;
        if (!(dmi->flags & DM_BUFFER_FULL_FLAG)) break;
        if (buffer->size >= (64u << 20)) return -ENOBUFS;
        if (cdm_buffer_reserve(buffer, buffer->size * 4) < 0) return -ENOMEM;
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
    return count;
}

void cdm_buffer_free(cdm_buffer *buffer) {
    free(buffer->data);
    buffer->data = NULL;
    buffer->size = 0;
}

/* The name into the header (zeroed before): its length, or -1 when the kernel cannot hold
   it. A byte loop rather than strlen and strcpy: this runs on every alert-path read, and
   under emulation each libc string call costs more than the loop. */
static int cdm_put_name(struct dm_ioctl *dmi, const char *name) {
    size_t n = 0;
    for (; name[n]; n++) {
        if (n >= DM_NAME_LEN - 1) return -1;
        dmi->name[n] = name[n];
    }
    return (int)n;
}

int cdm_table_status(int fd, const char *name, int table, cdm_buffer *buffer, cdm_device *device,
                     cdm_target_sink sink, void *context) {
    if (cdm_buffer_reserve(buffer, 16384) < 0) return -ENOMEM;
    struct dm_ioctl *dmi;
    for (;;) {
        dmi = buffer->data;
        // Only the header: the kernel writes the answer after it (memset of the whole buffer
        // would cost as much as the ioctl for a large one).
        memset(dmi, 0, sizeof *dmi);
        if (cdm_put_name(dmi, name) < 0) return -ENAMETOOLONG;
        dmi->version[0] = DM_VERSION_MAJOR;
        dmi->data_size = (uint32_t)buffer->size;
        dmi->data_start = sizeof(struct dm_ioctl);
        dmi->flags = table ? DM_STATUS_TABLE_FLAG : DM_NOFLUSH_FLAG;
        if (ioctl(fd, DM_TABLE_STATUS, dmi) < 0) return -errno;
        if (!(dmi->flags & DM_BUFFER_FULL_FLAG)) break;
        if (buffer->size >= (64u << 20)) return -ENOBUFS;
        if (cdm_buffer_reserve(buffer, buffer->size * 4) < 0) return -ENOMEM;
    }
    device->dev = dmi->dev;
    device->event_nr = dmi->event_nr;
    device->open_count = dmi->open_count;
    device->target_count = dmi->target_count;
    device->flags = (dmi->flags & DM_SUSPEND_FLAG ? CDM_SUSPENDED : 0) | (dmi->flags & DM_READONLY_FLAG ? CDM_READ_ONLY : 0) |
                    (dmi->flags & DM_ACTIVE_PRESENT_FLAG ? CDM_LIVE_TABLE : 0) |
                    (dmi->flags & DM_INACTIVE_PRESENT_FLAG ? CDM_INACTIVE_TABLE : 0) |
                    (dmi->flags & DM_DEFERRED_REMOVE ? CDM_DEFERRED_REMOVE : 0);
    // Most devices (docker's) have no uuid: nothing to copy then.
    if (dmi->uuid[0]) {
        memcpy(device->uuid, dmi->uuid, sizeof dmi->uuid);
        device->uuid[sizeof dmi->uuid] = 0;
    } else {
        device->uuid[0] = 0;
    }
    // The targets: each spec's `next` counts from the first spec (DM_TABLE_STATUS's rule), its
    // parameters follow it as a NUL-terminated string, measured here (bounded by the answer)
    // for the sink.
    char *first = (char *)dmi + dmi->data_start;
    char *end = (char *)dmi + dmi->data_size;
    char *at = first;
    for (uint32_t i = 0; i < dmi->target_count; i++) {
        struct dm_target_spec *spec = (struct dm_target_spec *)at;
        if ((char *)(spec + 1) > end) return -EPROTO;
        char type[DM_MAX_TYPE_NAME + 1];
        memcpy(type, spec->target_type, DM_MAX_TYPE_NAME);
        type[DM_MAX_TYPE_NAME] = 0;
        const char *params = (const char *)(spec + 1);
        size_t room = (size_t)(end - params), n = 0;
        while (n < room && params[n]) n++;
        if (n == room) return -EPROTO;
        sink(context, spec->sector_start, spec->length, type, params, n);
        at = first + spec->next;
    }
    return (int)dmi->target_count;
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
