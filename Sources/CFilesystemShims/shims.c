// ioctl(2) is variadic, which Swift cannot call: FITRIM and FS_IOC_GETFSMAP go through here.
#include <sys/vfs.h>
#include "CFilesystemShims.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include <linux/fsmap.h>

int cfs_fitrim(int fd, uint64_t start, uint64_t length, uint64_t minimum, uint64_t *trimmed) {
    struct fstrim_range range = {.start = start, .len = length, .minlen = minimum};
    if (ioctl(fd, FITRIM, &range) < 0) return -errno;
    if (trimmed) *trimmed = range.len;
    return 0;
}

int cfs_free_extents(int fd, cfs_extent_sink sink, void *context) {
    const unsigned count = 256;
    struct fsmap_head *head = calloc(1, fsmap_sizeof(count));
    if (!head) return -ENOMEM;
    head->fmh_count = count;
    // Low key all zeroes, high key all ones: every mapping.
    memset(&head->fmh_keys[1], 0xff, sizeof head->fmh_keys[1]);
    head->fmh_keys[1].fmr_reserved[0] = head->fmh_keys[1].fmr_reserved[1] = head->fmh_keys[1].fmr_reserved[2] = 0;
    int extents = 0;
    for (;;) {
        if (ioctl(fd, FS_IOC_GETFSMAP, head) < 0) {
            int e = errno;
            free(head);
            return -e;
        }
        if (head->fmh_entries == 0) break;
        for (unsigned i = 0; i < head->fmh_entries; i++) {
            struct fsmap *r = &head->fmh_recs[i];
            if ((r->fmr_flags & FMR_OF_SPECIAL_OWNER) && r->fmr_owner == FMR_OWN_FREE) {
                sink(context, r->fmr_physical, r->fmr_length);
                extents++;
            }
        }
        if (head->fmh_recs[head->fmh_entries - 1].fmr_flags & FMR_OF_LAST) break;
        fsmap_advance(head);
    }
    free(head);
    return extents;
}

int cfs_statfs(const char *path, uint64_t *bsize, uint64_t *bfree) {
    struct statfs fs;
    if (statfs(path, &fs) != 0) return -errno;
    *bsize = (uint64_t)fs.f_bsize;
    *bfree = (uint64_t)fs.f_bfree;
    return 0;
}
