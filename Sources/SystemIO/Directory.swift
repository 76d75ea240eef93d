#if canImport(Glibc)
    import Glibc
#endif

private let direntNameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!

/// The names in a directory, without . and ..
public func directoryEntries(_ path: String) throws(FileError) -> [String] {
    guard let dir = opendir(path) else { throw .current(.readdir, path) }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        // Read the name in place up to its NUL: glibc's record is only d_reclen long, so copying
        // the whole 256-byte d_name reads past the end of the buffer for the last entry
        // (AddressSanitizer found it).
        let name = String(cString: (UnsafeRawPointer(entry) + direntNameOffset).assumingMemoryBound(to: CChar.self))
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}

/// Creates `path` and its parents that are missing, the new ones with `permissions`.
public func makeDirectories(_ path: String, permissions: mode_t = 0o755) throws(FileError) {
    if (try? FileStatus(path))?.kind == .directory { return }
    let parent = String(path.prefix(upTo: path.lastIndex(of: "/") ?? path.startIndex))
    if !parent.isEmpty { try makeDirectories(parent, permissions: permissions) }
    guard mkdir(path, permissions) == 0 || errno == EEXIST else { throw .current(.mkdir, path) }
}

/// `path` with every symbolic link resolved and made absolute (realpath(3)), as dockerd
/// resolves its data root (Go's filepath.EvalSymlinks).
public func resolvedPath(_ path: String) throws(FileError) -> String {
    guard let p = realpath(path, nil) else { throw FileError.current(.realpath, path) }
    defer { free(p) }
    return String(cString: p)
}
