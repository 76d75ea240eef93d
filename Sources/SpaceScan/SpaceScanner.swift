import Logging
import Reader
import SystemIO
import ThinPoolCore

#if canImport(Glibc)
    import Glibc
#endif

/// Where the space went, per pool, every `interval`: what deleting each thin volume would free
/// (thin_ls's exclusive and shared bytes, read from a metadata snapshot), and what a trim of
/// each mounted volume's filesystem would give back to the pool (its free extents, from
/// FS_IOC_GETFSMAP, against the blocks thin_dump says it maps). Annotates every reading with
/// the latest findings (``PoolAnnotator``).
///
/// One scan runs at a time (the periodic one, or one for autoextend's trim), so the agent never
/// holds two metadata snapshots; the snapshot is a ``MetadataSnapshotLease``, the tools a
/// ``SpaceTool``. What it found annotates readings (SpaceScanner+Annotation.swift) and serves
/// autoextend's trim-first (SpaceScanner+Trim.swift, a ``PoolTrimmer``).
public final class SpaceScanner: Sendable {
    let reader: PoolReader
    let logger: Logger
    let sysfs: Sysfs
    let lease: MetadataSnapshotLease
    let now: @Sendable () -> Double

    struct State {
        var settings: SpaceScanSettings
        var watches: @Sendable (String) -> Bool
        var pools: [String: PoolSpace] = [:]
        var volumes: [String: [String: VolumeSpace]] = [:]
        var lastScan: [String: Double] = [:]
        /// When each volume (by device name) was last trimmed.
        var lastTrim: [String: Double] = [:]
        var running = false
        var stopped = true
        var workerDone = true
        var stats = SpaceScanStats()
    }

    let state: Locked<State>

    /// - Parameter stateDirectory: where the snapshot markers live (`metadata-snap/` in it);
    ///   nil: no markers (a snapshot left by a crash is then not released at start).
    public init(
        reader: PoolReader, settings: SpaceScanSettings, watches: @escaping @Sendable (String) -> Bool, stateDirectory: String?,
        sysfs: Sysfs = Sysfs(), logger: Logger, now: @escaping @Sendable () -> Double = PoolReader.wallClock
    ) {
        self.reader = reader
        self.logger = logger
        self.sysfs = sysfs
        self.lease = MetadataSnapshotLease(
            client: reader.client, markers: stateDirectory.map { $0 + "/metadata-snap" }, sysfs: sysfs, logger: logger)
        self.now = now
        self.state = Locked(State(settings: settings, watches: watches))
    }

    public var stats: SpaceScanStats { state.withLock { $0.stats } }

    public func update(settings: SpaceScanSettings, watches: @escaping @Sendable (String) -> Bool) {
        state.update {
            $0.settings = settings
            $0.watches = watches
        }
    }

    // MARK: - Lifecycle

    /// Releases snapshots a killed agent left, then scans every interval on a thread of its own.
    public func start() {
        let released = lease.releaseLeftovers()
        if released > 0 { state.update { $0.stats.leftoversReleased += UInt64(released) } }
        let go = state.update { s -> Bool in
            guard s.stopped else { return false }
            s.stopped = false
            s.workerDone = false
            return true
        }
        guard go else { return }
        startThread(named: "space-scan") { [self] in
            defer { state.update { $0.workerDone = true } }
            while true {
                let (enabled, interval, stopped) = state.withLock { ($0.settings.enabled, $0.settings.interval, $0.stopped) }
                if stopped { return }
                if enabled { scanAll() }
                _ = state.wait(until: Locked<State>.deadline(after: interval.seconds)) { s in s.stopped ? true : nil }
            }
        }
    }

    /// Ends the loop after the scan in progress (its tools time out at `timeout`).
    public func stop() {
        state.update { $0.stopped = true }
        _ = state.wait { s in s.workerDone ? true : nil }
    }

    // MARK: - Scans

    /// Scans every watched pool now; returns what it found by pool.
    @discardableResult
    public func scanAll() -> [String: PoolSpace] {
        let report: HostReading
        do { report = try reader.read() } catch {
            logger.warning("space scan: cannot read device-mapper", metadata: ["error": "\(error)"])
            return [:]
        }
        let mounts: [DeviceNumber: MountEntry]
        do { mounts = MountEntry.mountPoints(try currentMounts()) } catch {
            logger.warning("space scan: cannot read the mount table", metadata: ["error": "\(error)"])
            mounts = [:]
        }
        var found: [String: PoolSpace] = [:]
        let watches = state.withLock { $0.watches }
        for r in report.pools where watches(r.name) {
            guard let s = r.pool, s.status.working != nil else { continue }
            found[s.name] = scan(s, mounts: mounts)
        }
        return found
    }

    /// One pool: the metadata snapshot's figures (when one can be taken) and each mounted
    /// volume's reclaimable space. One scan runs at a time (the periodic one, or one for
    /// autoextend), so this process never holds two metadata snapshots.
    func scan(_ pool: ThinPool, mounts: [DeviceNumber: MountEntry]) -> PoolSpace {
        let settings = state.wait { s -> SpaceScanSettings? in
            guard !s.running else { return nil }
            s.running = true
            return s.settings
        }!
        defer { state.update { $0.running = false } }
        let started = now()
        let blockSize = pool.table.blockSize.bytes?.rawValue ?? 0
        let mounted = pool.thinVolumes.compactMap { v -> (ThinVolume, MountEntry)? in
            guard let n = v.number, let m = mounts[n] else { return nil }
            return (v, m)
        }
        var skipped: String?
        var usage: [UInt64: ThinUsage] = [:]
        var mappings: [UInt64: [BlockRange]] = [:]
        do throws(ScanError) {
            let ids = mounted.compactMap { $0.0.table.map { UInt64($0.deviceId) } }
            let tool = SpaceTool(settings: settings)
            (usage, mappings) = try lease.hold(pool) { metadataDevice throws(ScanError) in
                (try tool.usage(metadataDevice: metadataDevice), try tool.mappings(metadataDevice: metadataDevice, deviceIDs: ids))
            }
        } catch {
            skipped = error.description
            if case .heldByAnother = error {
            } else {
                logger.warning("space scan: no metadata snapshot read", metadata: ["pool": "\(pool.name)", "why": "\(error)"])
            }
        }
        var volumes: [String: VolumeSpace] = [:]
        for v in pool.thinVolumes {
            guard let id = v.table?.deviceId, let u = usage[UInt64(id)] else { continue }
            volumes[v.name] = VolumeSpace(exclusiveBytes: u.exclusiveBytes, sharedBytes: u.sharedBytes)
        }
        var total: UInt64 = 0
        for (v, m) in mounted {
            var space = volumes[v.name] ?? VolumeSpace()
            space.mountPoint = m.mountPoint
            if let why = reclaimBlocked(pool, v, blockSize: blockSize) {
                space.reclaimableBytes = 0
                space.reclaimBlocked = why
            } else if let id = v.table?.deviceId, let mapped = mappings[UInt64(id)] {
                do {
                    space.reclaimableBytes = Reclaim.reclaimable(
                        freeExtents: try freeExtents(m.mountPoint), mapped: mapped, blockSize: blockSize)
                } catch {
                    space.reclaimableBytes = estimate(v, m)
                    space.reclaimableIsEstimate = space.reclaimableBytes != nil
                }
            } else {
                space.reclaimableBytes = estimate(v, m)
                space.reclaimableIsEstimate = space.reclaimableBytes != nil
            }
            total += space.reclaimableBytes ?? 0
            volumes[v.name] = space
        }
        let allocated = pool.dataBacking.flatMap { try? FileStatus($0.path).allocated }
        let result = PoolSpace(scannedAt: started, snapshotSkipped: skipped, reclaimableBytes: total, dataFileAllocatedBytes: allocated)
        state.update { s in
            s.pools[pool.name] = result
            s.volumes[pool.name] = volumes
            s.lastScan[pool.name] = started
            s.stats.scans[pool.name, default: 0] += 1
            if skipped != nil { s.stats.skipped[pool.name, default: 0] += 1 }
            s.stats.durations[pool.name] = now() - started
        }
        return result
    }

    /// mapped - used: what a trim could free at most when no snapshot says which blocks the
    /// volume maps (its filesystem's own metadata is mapped too).
    func estimate(_ v: ThinVolume, _ m: MountEntry) -> UInt64? {
        guard let mapped = v.status?.mapped?.bytes?.rawValue, let used = try? filesystemUsage(m.mountPoint).used else { return nil }
        return mapped > used ? mapped - used : 0
    }

    /// Why discards from this volume cannot free pool blocks; nil when they can.
    func reclaimBlocked(_ pool: ThinPool, _ v: ThinVolume, blockSize: UInt64) -> String? {
        if pool.table.has(.ignoreDiscard) || pool.status.working?.discard == .ignore {
            return "the pool ignores discards (ignore_discard)"
        }
        guard let n = v.number, let limits = sysfs.discardLimits(n) else { return nil }
        if limits.maxBytes == 0 { return "discards are off on the device (discard_max_bytes 0)" }
        if limits.granularity > blockSize, blockSize > 0 {
            return "the device's discard granularity (\(limits.granularity) bytes) is above the pool's block size (\(blockSize))"
        }
        return nil
    }
}
