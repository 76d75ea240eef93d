#if canImport(Glibc)
    import Glibc
#endif

/// Replaces `path` with `bytes` so that a crash at any moment leaves the old file or the new,
/// never half of one: a temporary file beside it, written and fsync'ed, renamed over it, and the
/// folder fsync'ed. The temporary file is removed when anything fails.
public func writeFileAtomically(_ path: String, _ bytes: [UInt8], permissions: mode_t = 0o600) throws(FileError) {
    let tmp = path + ".tmp"
    let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, permissions)
    guard fd >= 0 else { throw .current(.open, tmp) }
    var failure: FileError?
    bytes.withUnsafeBytes { buf in
        var off = 0
        while off < buf.count {
            let n = write(fd, buf.baseAddress! + off, buf.count - off)
            if n < 0 {
                if errno == EINTR { continue }
                failure = .current(.write, tmp)
                return
            }
            off += n
        }
    }
    if failure == nil, fsync(fd) != 0 { failure = .current(.fsync, tmp) }
    close(fd)
    if failure == nil, rename(tmp, path) != 0 { failure = .current(.rename, path) }
    if let failure {
        unlink(tmp)
        throw failure
    }
    let folder = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
    let dfd = open(folder.isEmpty ? "/" : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if dfd >= 0 {
        fsync(dfd)
        close(dfd)
    }
}
