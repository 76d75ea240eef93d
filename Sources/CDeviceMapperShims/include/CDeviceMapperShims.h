#ifndef CDEVICEMAPPERSHIMS_H
#define CDEVICEMAPPERSHIMS_H

#include <stddef.h>
#include <stdint.h>

/// Receives one libdevmapper log message, already formatted.
/// `level` is syslog-like (2 fatal, 3 error, 4 warning ... 7 debug); `dm_errno_or_class` is the
/// errno libdevmapper passes with error messages (0 when none).
typedef void (*cdm_log_sink)(int level, const char *file, int line, int dm_errno_or_class,
                             const char *message);

/// Installs `sink` as libdevmapper's logger; messages above `max_level` are dropped in C.
/// A NULL sink silences libdevmapper completely (it never prints to stderr).
void cdm_log_install(cdm_log_sink sink, int max_level);

/// Opens /dev/mapper/control (O_RDWR|O_CLOEXEC) for the raw event ioctls below.
/// Returns the fd, or -errno.
int cdm_control_open(const char *path);

/// DM_DEV_ARM_POLL on `fd`: the next dm event on any device makes `fd` readable (POLLIN).
/// Returns 0 or -errno.
int cdm_arm_poll(int fd);
/// 1 when a dm event happened since the fd was last armed (poll(2) with no wait), 0 when not,
/// -errno on failure.
int cdm_poll_event(int fd);

/// DM_DEV_WAIT on `fd` for device `name`: blocks until its event number differs from
/// `event_nr`; stores the new one in `*new_event_nr`. Returns 0 or -errno.
int cdm_wait_event(int fd, const char *name, uint32_t event_nr, uint32_t *new_event_nr);

/// Receives one device of a LIST: name, dev (kernel huge_encode_dev form), event number (valid
/// when has_event_nr), uuid (NULL when the kernel did not say; "" when the device has none).
typedef void (*cdm_list_sink)(void *context, const char *name, uint64_t dev, uint32_t event_nr,
                              int has_event_nr, const char *uuid);

/// One device's header in the answer to DM_TABLE_STATUS.
typedef struct cdm_device {
    /// The device number, kernel huge_encode_dev form.
    uint64_t dev;
    uint32_t event_nr;
    int32_t open_count;
    uint32_t target_count;
    /// CDM_* flags below.
    uint32_t flags;
    /// "" when the device has none. (No name: the caller named the device.)
    char uuid[129];
} cdm_device;

enum { CDM_SUSPENDED = 1, CDM_READ_ONLY = 2, CDM_LIVE_TABLE = 4, CDM_INACTIVE_TABLE = 8, CDM_DEFERRED_REMOVE = 16 };

/// Receives one target: its start and length in sectors, type and parameters (table or status;
/// NUL-terminated, `params_length` bytes before the NUL).
typedef void (*cdm_target_sink)(void *context, uint64_t start, uint64_t length, const char *type,
                                const char *params, size_t params_length);

/// An ioctl buffer its owner keeps between calls ({NULL, 0} to start; cdm_buffer_free at the
/// end): grown when an answer does not fit, never shrunk, so a steady reader allocates nothing.
typedef struct cdm_buffer {
    void *data;
    size_t size;
} cdm_buffer;

void cdm_buffer_free(cdm_buffer *buffer);

/// DM_LIST_DEVICES on `fd` with DM_UUID_FLAG, in `buffer`, grown until the answer fits and kept
/// grown (libdevmapper's own LIST would double its process-wide buffer size instead, for every
/// later call). Calls `sink` per device. Returns the number of devices, or -errno.
int cdm_list_devices(int fd, cdm_buffer *buffer, cdm_list_sink sink, void *context);

/// DM_TABLE_STATUS on `fd` for the device `name`: its live table (`table` != 0) or its status
/// without flushing (DM_NOFLUSH_FLAG: a thin pool would otherwise commit its metadata on every
/// read). One ioctl on `buffer` (two when the answer did not fit). Fills `*device` and calls
/// `sink` per target. Returns the number of targets, or -errno (-ENXIO: no such device,
/// -ENAMETOOLONG: a name the kernel cannot hold).
int cdm_table_status(int fd, const char *name, int table, cdm_buffer *buffer, cdm_device *device,
                     cdm_target_sink sink, void *context);

/// The dm ioctl interface version of the running kernel (DM_VERSION on `fd`).
/// Returns 0 or -errno.
int cdm_driver_version(int fd, uint32_t version[3]);

/// LOOP_SET_CAPACITY on the loop device at `path`: it re-reads its backing file's size
/// (`losetup -c`). Returns 0 or -errno.
int cdm_loop_set_capacity(const char *path);

#endif
