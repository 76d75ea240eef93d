#ifndef CDEVICEMAPPERSHIMS_H
#define CDEVICEMAPPERSHIMS_H

#include <stdint.h>

/// Receives one libdevmapper log message, already formatted.
/// `level` is syslog-like (2 fatal, 3 error, 4 warning ... 7 debug); `dm_errno_or_class` is the
/// errno libdevmapper passes with error messages (0 when none).
typedef void (*cdm_log_sink)(int level, const char *file, int line, int dm_errno_or_class,
                             const char *message);

/// Installs `sink` as libdevmapper's logger; messages above `max_level` are dropped in C.
/// A NULL sink silences libdevmapper completely (it never prints to stderr).
void cdm_log_install(cdm_log_sink sink, int max_level);

/// The name of one `struct dm_names` record (`names` is a `struct dm_names *`).
const char *cdm_names_name(const void *names);

/// The event number the kernel (dm ioctl >= 4.37) stores after the name of a LIST record.
uint32_t cdm_names_event_nr(const void *names);

/// Opens /dev/mapper/control (O_RDWR|O_CLOEXEC) for the raw event ioctls below.
/// Returns the fd, or -errno.
int cdm_control_open(const char *path);

/// DM_DEV_ARM_POLL on `fd`: the next dm event on any device makes `fd` readable (POLLIN).
/// Returns 0 or -errno.
int cdm_arm_poll(int fd);

/// DM_DEV_WAIT on `fd` for device `name`: blocks until its event number differs from
/// `event_nr`; stores the new one in `*new_event_nr`. Returns 0 or -errno.
int cdm_wait_event(int fd, const char *name, uint32_t event_nr, uint32_t *new_event_nr);

/// The dm ioctl interface version of the running kernel (DM_VERSION on `fd`).
/// Returns 0 or -errno.
int cdm_driver_version(int fd, uint32_t version[3]);

#endif
