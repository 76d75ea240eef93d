import SystemPackage

/// A failed file or filesystem call: which call, on which path, and why -- the errno as a typed
/// `Errno` (swift-system), or a limit this layer enforces. Its words for an errno come from
/// `Errno.description` here only: nothing above turns an errno into text by itself.
public struct FileError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Operation: String, Hashable, Sendable {
        case open, read, stat, statfs, readdir, readlink, write, fsync, rename, truncate, mkdir, spawn, wait, realpath
        case connect, send, receive
        case getfsmap = "FS_IOC_GETFSMAP"
        case fitrim = "FITRIM"
    }

    public enum Reason: Hashable, Sendable {
        /// The system call failed with this errno.
        case errno(Errno)
        /// Read whole, but larger than the limit the caller gave.
        case tooLarge(limit: Int)
        /// Asked for as text, and not valid UTF-8.
        case notUTF8
        /// No answer within the caller's time.
        case timedOut(seconds: Double)
    }

    public var operation: Operation
    public var path: String
    public var reason: Reason

    public init(_ operation: Operation, _ path: String, _ reason: Reason) {
        self.operation = operation
        self.path = path
        self.reason = reason
    }

    /// The failure of the system call that just set errno.
    static func current(_ operation: Operation, _ path: String) -> FileError {
        FileError(operation, path, .errno(Errno(rawValue: systemErrno())))
    }

    /// The errno, when a system call failed.
    public var errno: Errno? {
        if case .errno(let e) = reason { return e }
        return nil
    }

    /// The file does not exist (ENOENT).
    public var isMissing: Bool { errno == .noSuchFileOrDirectory }

    /// What went wrong, without the path.
    public var reasonText: String {
        switch reason {
        case .errno(let e): return e.description
        case .tooLarge(let limit): return "larger than \(limit) bytes"
        case .notUTF8: return "not valid UTF-8 text"
        case .timedOut(let s): return "no answer within \(s) s"
        }
    }

    public var description: String { "\(path): \(reasonText)" }
}
