#if canImport(Glibc)
    import Glibc
#endif

/// A whole file's bytes, read with open/read. Every file the exporter reads goes through here:
/// Foundation's readers (String(contentsOfFile:), Data(contentsOf:), FileManager.contents)
/// leak 4 KiB per call on an empty file in this toolchain (AddressSanitizer showed it), which a
/// daemon reading the same files for months cannot afford. `limit` keeps a corrupt or hostile
/// file from costing memory.
public func readFile(_ path: String, limit: Int = 16 << 20, followSymlinks: Bool = true) throws(FileError) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC | (followSymlinks ? 0 : O_NOFOLLOW))
    guard fd >= 0 else { throw .current(.open, path) }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16384)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw .current(.read, path)
        }
        if n == 0 { return bytes }
        bytes += chunk[0..<n]
        if bytes.count > limit { throw FileError(.read, path, .tooLarge(limit: limit)) }
    }
}

/// A whole file as text. Invalid UTF-8 is an error (a config or secret file is never silently
/// altered: a binary HMAC key must not turn into replacement characters), unless `lenient`,
/// which replaces it (saved command output, where one bad byte should not lose the rest).
public func readTextFile(_ path: String, limit: Int = 16 << 20, lenient: Bool = false) throws(FileError) -> String {
    let bytes = try readFile(path, limit: limit)
    if lenient { return String(decoding: bytes, as: UTF8.self) }
    guard let text = String(validating: bytes, as: UTF8.self) else {
        throw FileError(.read, path, .notUTF8)
    }
    return text
}
