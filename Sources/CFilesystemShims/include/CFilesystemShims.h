#ifndef CFILESYSTEMSHIMS_H
#define CFILESYSTEMSHIMS_H

#include <stdint.h>

/// FITRIM on the filesystem `fd` (any file or directory of it) belongs to: discards its free
/// extents of at least `minimum` bytes within [start, start + length). `*trimmed` receives the
/// bytes the filesystem says it trimmed. Returns 0 or -errno.
int cfs_fitrim(int fd, uint64_t start, uint64_t length, uint64_t minimum, uint64_t *trimmed);

/// Receives one free extent: its device offset and length in bytes.
typedef void (*cfs_extent_sink)(void *context, uint64_t physical, uint64_t length);

/// FS_IOC_GETFSMAP on the filesystem `fd` belongs to: calls `sink` for each free-space extent,
/// in device order. Returns the number of extents, or -errno (-EOPNOTSUPP: the filesystem
/// cannot say; ext4 and XFS can).
int cfs_free_extents(int fd, cfs_extent_sink sink, void *context);

/* statfs(2) of `path`: f_bsize and f_bfree. 0, or -errno. (glibc's statvfs also reads the
   mount table for f_flag, which costs more than the statfs itself.) */
int cfs_statfs(const char *path, uint64_t *bsize, uint64_t *bfree);

#endif
