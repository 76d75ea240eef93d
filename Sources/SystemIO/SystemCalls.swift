#if canImport(Glibc)
    import Glibc
#endif

// The system calls this layer makes, one wrapper each where Swift needs help; every other
// module reaches files, sysfs and filesystems through SystemIO's typed functions.

/// The calling thread's errno.
func systemErrno() -> Int32 { errno }

/// stat(2) or lstat(2); nil with errno set on failure.
func systemStat(_ path: String, followSymlinks: Bool) -> stat? {
    var st = stat()
    let r = followSymlinks ? stat(path, &st) : lstat(path, &st)
    return r == 0 ? st : nil
}
