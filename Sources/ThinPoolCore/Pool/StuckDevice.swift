/// A device of a pool -- the pool itself or one of its thin volumes -- in a state that holds
/// its I/O or waits for someone: what an operator finds only with `dmsetup info` at 3 am.
public struct StuckDevice: Hashable, Sendable {
    public enum State: String, Hashable, Sendable, CaseIterable {
        /// Suspended: I/O to it waits until it is resumed (a reload or a snapshot left half done).
        case suspended
        /// A table loaded into the inactive slot and never resumed (or cleared).
        case inactiveTable = "inactive_table"
        /// Removed while open: it goes when the last opener closes it.
        case deferredRemove = "deferred_remove"
        /// A thin volume whose status is `Fail`: every I/O to it errors.
        case failed
    }

    public var device: String
    public var state: State
    /// When a reading first found it so (unix seconds); nil from a reader that keeps no history
    /// (a one-off `status`).
    public var since: Double?

    public init(device: String, state: State, since: Double?) {
        self.device = device
        self.state = state
        self.since = since
    }

    /// "thin volume db is suspended", "pool p has an inactive table loaded".
    public func describe(pool: String) -> String {
        let who = device == pool ? "pool \(device)" : "thin volume \(device)"
        switch state {
        case .suspended: return "\(who) is suspended (its I/O waits)"
        case .inactiveTable: return "\(who) has an inactive table loaded and not resumed"
        case .deferredRemove: return "\(who) is waiting to be removed (deferred removal; still open)"
        case .failed: return "\(who) has failed (every I/O to it errors)"
        }
    }
}

extension ThinPool {
    /// The pool's and its thin volumes' states as this reading found them, pool first.
    public var stuckStates: [(device: String, state: StuckDevice.State)] {
        var out: [(String, StuckDevice.State)] = []
        func add(_ device: String, suspended: Bool, inactive: Bool, deferred: Bool, failed: Bool) {
            if suspended { out.append((device, .suspended)) }
            if inactive { out.append((device, .inactiveTable)) }
            if deferred { out.append((device, .deferredRemove)) }
            if failed { out.append((device, .failed)) }
        }
        add(name, suspended: suspended, inactive: inactiveTable, deferred: deferredRemove, failed: false)
        for v in thinVolumes {
            add(v.name, suspended: v.suspended, inactive: v.inactiveTable, deferred: v.deferredRemove, failed: v.status == .fail)
        }
        return out
    }

    /// Whether ``stuckStates`` lists anything, found without building the list (the one-pool
    /// re-read asks on every read). Inlinable: a getter called across modules on a pool passed
    /// inout copies the whole pool first.
    @inlinable @inline(__always) public var hasStuckStates: Bool {
        suspended || inactiveTable || deferredRemove
            || thinVolumes.contains { $0.suspended || $0.inactiveTable || $0.deferredRemove || $0.status == .fail }
    }

    /// How much the pool promised against what it has: its active thin volumes' virtual sizes
    /// (with `inactive` bytes of devices not active now, such as docker's stopped containers),
    /// the largest volume, and how many volumes could each fill the pool alone (their unmapped
    /// size at least the free data space). nil without a data size.
    public func overcommit(freeDataBytes: UInt64, inactiveVirtualBytes: UInt64 = 0) -> Overcommit? {
        guard let w = status.working, let data = w.totalData.bytes(blockSize: table.blockSize)?.rawValue, data > 0 else {
            return nil
        }
        var virtual: UInt64 = 0
        var largest: (String, UInt64)?
        var ableToFill = 0
        for v in thinVolumes {
            let size = v.size.bytes?.rawValue ?? 0
            virtual = virtual.saturatingAdding(size)
            if size > (largest?.1 ?? 0) { largest = (v.name, size) }
            let mapped = v.status?.mapped?.bytes?.rawValue ?? 0
            if size > mapped, size - mapped >= freeDataBytes { ableToFill += 1 }
        }
        let promised = virtual.saturatingAdding(inactiveVirtualBytes)
        return Overcommit(
            activeVirtualBytes: virtual, inactiveVirtualBytes: inactiveVirtualBytes, dataBytes: data,
            ratio: Double(promised) / Double(data), largestVolume: largest?.0, largestVolumeBytes: largest?.1 ?? 0,
            volumesAbleToFill: ableToFill)
    }
}
