import Foundation
import SystemIO
import ThinPoolCore

/// The agent's state on disk, one JSON file written atomically (temporary file, fsync, rename,
/// fsync of the folder): the firing alerts and the notifications not yet delivered, together
/// (with the pools' usage trends, saved at most once a minute besides),
/// so a crash at any moment leaves either the old state or the new, never half of one.
public struct PersistedState: Sendable, Equatable, Codable {
    public var version = 1
    public var alerts: [ActiveAlert] = []
    public var outbox: [AlertNotification] = []
    public var nextSequence: UInt64 = 1
    /// Alertmanager receivers: when firing alerts were last sent.
    public var lastResend: [String: Date] = [:]
    /// Each pool's used-space samples, so forecasts survive a restart (absent in files from
    /// before they were kept).
    public var trends: [String: PoolTrends]?

    public init() {}
}

/// A pool's data and metadata trends, as saved.
public struct PoolTrends: Sendable, Equatable, Codable {
    public var data: UsageTrend
    public var metadata: UsageTrend

    public init(data: UsageTrend, metadata: UsageTrend) {
        self.data = data
        self.metadata = metadata
    }
}

public struct StateStore: Sendable {
    public let directory: String
    public var path: String { directory + "/state.json" }

    public init(directory: String) {
        self.directory = directory
    }

    /// Why the state could not be loaded or saved.
    public enum Failure: Error, CustomStringConvertible {
        /// The state directory could not be created.
        case cannotCreate(FileError)
        /// The file could not be written (its folder full, read-only, gone...).
        case cannotWrite(FileError)
        /// The file could not be read.
        case cannotRead(FileError)
        /// The file is not a state this agent wrote.
        case malformed(path: String, cause: any Error)

        public var description: String {
            switch self {
            case .cannotCreate(let e): return "cannot create state directory \(e)"
            case .cannotWrite(let e): return "cannot write \(e)"
            case .cannotRead(let e): return "cannot read \(e)"
            case .malformed(let path, let cause): return "cannot read \(path): \(cause)"
            }
        }
    }

    /// The saved state, or nil when there is none yet.
    public func load() throws(Failure) -> PersistedState? {
        let bytes: [UInt8]
        do { bytes = try readFile(path) } catch {
            if error.isMissing { return nil }
            throw .cannotRead(error)
        }
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601withFractions
            return try decoder.decode(PersistedState.self, from: Data(bytes))
        } catch {
            throw .malformed(path: path, cause: error)
        }
    }

    public func save(_ state: PersistedState) throws(Failure) {
        do { try makeDirectories(directory, permissions: 0o700) } catch { throw .cannotCreate(error) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601withFractions
        let data: Data
        do { data = try encoder.encode(state) } catch { throw .malformed(path: path, cause: error) }
        do { try writeFileAtomically(path, Array(data), permissions: 0o600) } catch { throw .cannotWrite(error) }
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
