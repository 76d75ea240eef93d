import FileIO
import Foundation

/// The agent's state on disk, one JSON file written atomically (temporary file, fsync, rename,
/// fsync of the folder): the firing alerts and the notifications not yet delivered, together,
/// so a crash at any moment leaves either the old state or the new, never half of one.
public struct PersistedState: Sendable, Equatable, Codable {
    public var version = 1
    public var alerts: [ActiveAlert] = []
    public var outbox: [AlertNotification] = []
    public var nextSequence: UInt64 = 1
    /// Alertmanager receivers: when firing alerts were last sent.
    public var lastResend: [String: Date] = [:]

    public init() {}
}

public struct StateStore: Sendable {
    public let directory: String
    public var path: String { directory + "/state.json" }

    public init(directory: String) {
        self.directory = directory
    }

    public enum Failure: Error, CustomStringConvertible {
        case cannotCreate(String, String)
        case cannotWrite(String, String)
        case cannotRead(String, String)

        public var description: String {
            switch self {
            case .cannotCreate(let p, let e): return "cannot create state directory \(p): \(e)"
            case .cannotWrite(let p, let e): return "cannot write \(p): \(e)"
            case .cannotRead(let p, let e): return "cannot read \(p): \(e)"
            }
        }
    }

    /// The saved state, or nil when there is none yet.
    public func load() throws(Failure) -> PersistedState? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data: Data
        do { data = Data(try readFile(path)) } catch { throw .cannotRead(path, error.reason) }
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601withFractions
            return try decoder.decode(PersistedState.self, from: data)
        } catch {
            throw .cannotRead(path, "\(error)")
        }
    }

    public func save(_ state: PersistedState) throws(Failure) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw .cannotCreate(directory, error.localizedDescription)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601withFractions
        let data: Data
        do { data = try encoder.encode(state) } catch { throw .cannotWrite(path, "\(error)") }
        let tmp = path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .cannotWrite(tmp, String(cString: strerror(errno))) }
        var ok = data.withUnsafeBytes { buf -> Bool in
            var off = 0
            while off < buf.count {
                let n = write(fd, buf.baseAddress! + off, buf.count - off)
                if n < 0 { if errno == EINTR { continue }; return false }
                off += n
            }
            return true
        }
        let writeErrno = errno
        ok = ok && fsync(fd) == 0
        close(fd)
        guard ok else {
            unlink(tmp)
            throw .cannotWrite(tmp, String(cString: strerror(writeErrno != 0 ? writeErrno : errno)))
        }
        guard rename(tmp, path) == 0 else {
            let e = errno
            unlink(tmp)
            throw .cannotWrite(path, String(cString: strerror(e)))
        }
        let dfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }
}

extension JSONEncoder.DateEncodingStrategy {
    static let iso8601withFractions = JSONEncoder.DateEncodingStrategy.custom { date, encoder in
        var c = encoder.singleValueContainer()
        try c.encode(RFC3339.format(date))
    }
}

extension JSONDecoder.DateDecodingStrategy {
    static let iso8601withFractions = JSONDecoder.DateDecodingStrategy.custom { decoder in
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        if let d = RFC3339.parse(s) { return d }
        throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an ISO 8601 date: \(s)")
    }
}
