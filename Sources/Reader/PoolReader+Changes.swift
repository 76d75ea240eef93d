import SystemIO
import ThinPoolCore

extension PoolReader {
    // MARK: - What changed

    /// A full read (``read()``) that also moves `cursor` to it.
    public func read(updating cursor: inout ChangeCursor) throws(DeviceMapperError) -> HostReading {
        let report = try read()
        cursor = ChangeCursor(report)
        cursor.deviceCount = report.deviceCount
        return report
    }

    /// Re-reads what changed since `cursor` and moves it on: the pools whose event number moved
    /// (one STATUS each). A wake that moved no pool's event number was a global dm event -- a
    /// reload and resume (a resize changes a pool's size without a pool event), a create or a
    /// remove: `afterWake` then re-reads every known pool. A change in the number of devices (a
    /// new pool, or a container's thin volumes), or a first look, makes a full read.
    public func changes(since cursor: inout ChangeCursor, afterWake: Bool) throws(DeviceMapperError) -> PoolChanges {
        let entries = try client.listDevices()
        if cursor.deviceCount != entries.count { return .all(try read(updating: &cursor)) }
        let moved = entries.filter { e in
            guard let last = cursor.known[e.name] else { return false }
            return e.eventNumber == nil || e.eventNumber != last
        }
        let toRead = moved.isEmpty && afterWake ? entries.filter { cursor.known[$0.name] != nil } : moved
        var changes = PoolChanges.Pools()
        for e in toRead {
            do {
                // A global wake (a reload and resume, a create): the table may have changed
                // with the size kept; otherwise the event number tells.
                let reading = try read(pool: e.name, freshTable: moved.isEmpty)
                cursor.known[e.name] = .some(reading.pool?.eventNumber ?? e.eventNumber)
                changes.readings.append(reading)
            } catch  where error.code == .noSuchDevice {
                cursor.known[e.name] = nil
                changes.vanished.append(e.name)
            } catch {
                changes.failures.append((e.name, error))
            }
        }
        return .pools(changes)
    }
}

/// What the watcher has seen: each pool with the event number it was last read at, and how many
/// devices there were. ``PoolReader/changes(since:afterWake:)`` reads it and moves it on.
public struct ChangeCursor: Sendable, Equatable {
    var known: [String: UInt32?] = [:]
    var deviceCount: Int?

    public init() {}

    init(_ report: HostReading) {
        for r in report.pools { known[r.name] = .some(r.pool?.eventNumber) }
    }

    /// The pools known, by name, with the event number each was read at (nil: not reported).
    public var pools: [String: UInt32?] { known }
}

/// What ``PoolReader/changes(since:afterWake:)`` found.
public enum PoolChanges: Sendable {
    /// Devices came or went, or it was the first look: every pool was read.
    case all(HostReading)
    /// Only these pools were read again.
    case pools(Pools)

    public struct Pools: Sendable {
        public var readings: [PoolReading] = []
        /// Pools that are gone.
        public var vanished: [String] = []
        /// Pools that could not be read, with why.
        public var failures: [(name: String, error: DeviceMapperError)] = []
    }
}
