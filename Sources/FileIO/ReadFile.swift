#if canImport(Glibc)
import Glibc
#endif

/// Why a file could not be read.
public struct FileReadError: Error, CustomStringConvertible, Equatable, Sendable {
    public var path: String
    /// errno from open or read; 0 when the file was over the limit.
    public var errno: Int32
    public var limit: Int

    /// What went wrong, without the path: the system's words for errno, or the limit.
    public var reason: String { errno == 0 ? "larger than \(limit) bytes" : String(cString: strerror(errno)) }

    public var description: String { "\(path): \(reason)" }
}

/// A whole file's bytes, read with open/read. Every file the exporter reads goes through here:
/// Foundation's readers (String(contentsOfFile:), Data(contentsOf:), FileManager.contents)
/// leak 4 KiB per call on an empty file in this toolchain (AddressSanitizer showed it), which a
/// daemon reading the same files for months cannot afford. `limit` keeps a corrupt or hostile
/// file from costing memory.
public func readFile(_ path: String, limit: Int = 16 << 20, followSymlinks: Bool = true) throws(FileReadError) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC | (followSymlinks ? 0 : O_NOFOLLOW))
    guard fd >= 0 else { throw FileReadError(path: path, errno: errno, limit: limit) }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16384)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw FileReadError(path: path, errno: errno, limit: limit)
        }
        if n == 0 { return bytes }
        bytes += chunk[0..<n]
        if bytes.count > limit { throw FileReadError(path: path, errno: 0, limit: limit) }
    }
}

/// A whole file as text (invalid UTF-8 replaced).
public func readTextFile(_ path: String, limit: Int = 16 << 20) throws(FileReadError) -> String {
    String(decoding: try readFile(path, limit: limit), as: UTF8.self)
}
