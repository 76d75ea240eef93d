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
/// The metadata snapshot: reserved only when no one else holds one, never two at once (one
/// scan runs at a time), released when the tools are done or have failed. A marker file in the
/// state directory is written before the reserve and removed after the release; one found at
/// start (the agent was killed holding a snapshot) has its snapshot released then.
public final class SpaceScanner: PoolAnnotator, PoolTrimmer, Sendable {
    let reader: PoolReader
    let logger: Logger
    let sysfs: Sysfs
    let markers: String?
    let now: @Sendable () -> Double

    private struct State {
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

    private let state: Locked<State>

    /// - Parameter stateDirectory: where the snapshot markers live (`metadata-snap/` in it);
    ///   nil: no markers (a snapshot left by a crash is then not released at start).
    public init(
        reader: PoolReader, settings: SpaceScanSettings, watches: @escaping @Sendable (String) -> Bool, stateDirectory: String?,
        sysfs: Sysfs = Sysfs(), logger: Logger, now: @escaping @Sendable () -> Double = PoolReader.wallClock
    ) {
        self.reader = reader
        self.logger = logger
        self.sysfs = sysfs
        self.markers = stateDirectory.map { $0 + "/metadata-snap" }
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
        releaseLeftovers()
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
            (usage, mappings) = try withMetadataSnapshot(pool, settings: settings) { metadataDevice throws(ScanError) in
                let ls = try run(settings.thinLs, ["--no-headers", "-m", "-o", ThinUsage.fields, metadataDevice], settings)
                let parsed: [ThinUsage]
                do throws(ParseError) { parsed = try ThinUsage.parse(ls) } catch { throw .output(tool: settings.thinLs, error) }
                var maps: [UInt64: [BlockRange]] = [:]
                for id in ids {
                    let xml = try run(settings.thinDump, ["-m", "--dev-id", "\(id)", metadataDevice], settings)
                    do throws(ParseError) {
                        maps.merge(try ThinDump.mappings(xml)) { a, _ in a }
                    } catch {
                        throw .output(tool: settings.thinDump, error)
                    }
                }
                return (Dictionary(parsed.map { ($0.deviceId, $0) }, uniquingKeysWith: { a, _ in a }), maps)
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

    /// Runs a tool; its stdout, or why not.
    func run(_ tool: String, _ args: [String], _ settings: SpaceScanSettings) throws(ScanError) -> String {
        let r: SubprocessResult
        do {
            r = try runSubprocess(tool, args, environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"], timeout: settings.timeout.seconds)
        } catch {
            throw .cannotRun(tool: tool, error.reasonText)
        }
        if r.timedOut { throw .timedOut(tool: tool, seconds: settings.timeout.seconds) }
        guard r.termination == .exited(0) else {
            throw .failed(tool: tool, stderr: String(decoding: r.stderr, as: UTF8.self).trimmingWhitespace)
        }
        return String(decoding: r.stdout, as: UTF8.self)
    }

    // MARK: - The metadata snapshot

    /// Reserves the pool's metadata snapshot, runs `body` with the metadata device's path,
    /// releases it -- whatever `body` does. Refuses when a snapshot is held already.
    func withMetadataSnapshot<T>(
        _ pool: ThinPool, settings: SpaceScanSettings, _ body: (String) throws(ScanError) -> T
    ) throws(ScanError) -> T {
        if let root = pool.status.working?.heldMetadataRoot { throw .heldByAnother(root: root) }
        guard let n = pool.table.metadataDevice.number, let device = sysfs.node(n) else {
            throw .noMetadataDevice("\(pool.table.metadataDevice)")
        }
        let client = reader.client
        try mark(pool.name, "reserving")
        do {
            _ = try client.message(pool.name, sector: 0, "reserve_metadata_snap")
        } catch {
            unmark(pool.name)
            // EINVAL: one is held after all (someone reserved it since our read).
            throw .reserve(error.description)
        }
        if let root = try? client.status(pool.name).targets.first.flatMap({ try? ThinPoolStatus(parsing: $0.params) })?.working?
            .heldMetadataRoot
        {
            try? mark(pool.name, "held \(root)")
        }
        defer { release(pool.name) }
        return try body(device)
    }

    func release(_ pool: String) {
        do {
            _ = try reader.client.message(pool, sector: 0, "release_metadata_snap")
            unmark(pool)
        } catch {
            // The marker stays: the next start (or scan) tries again.
            logger.error("space scan: cannot release the metadata snapshot", metadata: ["pool": "\(pool)", "error": "\(error)"])
        }
    }

    /// Releases the snapshots named by markers a killed agent left: the held root the marker
    /// names, or any held root when it was written just before a reserve.
    func releaseLeftovers() {
        guard let markers, let names = try? directoryEntries(markers) else { return }
        for pool in names {
            let text = (try? readTextFile(markers + "/" + pool)) ?? ""
            let held = (try? reader.client.status(pool)).flatMap { $0.targets.first }
                .flatMap { try? ThinPoolStatus(parsing: $0.params) }?.working?.heldMetadataRoot
            let ours = held.map { text.hasPrefix("reserving") || text.trimmingWhitespace == "held \($0)" } ?? false
            if ours {
                logger.warning("releasing a metadata snapshot left by an earlier run", metadata: ["pool": "\(pool)"])
                release(pool)
                state.update { $0.stats.leftoversReleased += 1 }
            } else {
                unmark(pool)
            }
        }
    }

    func mark(_ pool: String, _ text: String) throws(ScanError) {
        guard let markers else { return }
        do {
            try makeDirectories(markers)
            try writeFileAtomically(markers + "/" + pool, Array((text + "\n").utf8))
        } catch {
            throw .marker(error.description)
        }
    }

    func unmark(_ pool: String) {
        guard let markers else { return }
        unlink(markers + "/" + pool)
    }

    // MARK: - Trimming

    public func reclaimable(pool: String) -> UInt64? {
        let t = now()
        if let recent = state.withLock({ s in s.lastScan[pool].flatMap { t - $0 < 5 ? s.pools[pool] : nil } }) {
            return recent.reclaimableBytes
        }
        guard let report = try? reader.read(), let snapshot = report.pools.first(where: { $0.name == pool })?.pool else { return nil }
        let mounts = (try? currentMounts()).map { MountEntry.mountPoints($0) } ?? [:]
        return scan(snapshot, mounts: mounts).reclaimableBytes
    }

    public func trim(pool: String, minimum: UInt64, interval: Double) -> TrimResult {
        let volumes = state.withLock { $0.volumes[pool] ?? [:] }
        var result = TrimResult()
        for (device, space) in volumes.sorted(by: { $0.key < $1.key }) {
            guard let mountPoint = space.mountPoint, (space.reclaimableBytes ?? 0) > 0 else { continue }
            let t = now()
            let recent = state.withLock { s in s.lastTrim[device].map { t - $0 < interval } ?? false }
            if recent {
                result.skipped[device] = "trimmed less than \(Int(interval)) s ago"
                continue
            }
            do {
                let said = try trimFilesystem(mountPoint, minimum: minimum)
                state.update { s in
                    s.lastTrim[device] = t
                    s.stats.trims[pool, default: 0] += 1
                }
                result.trimmed.append(device)
                logger.notice(
                    "trimmed a thin volume's filesystem",
                    metadata: ["pool": "\(pool)", "device": "\(device)", "mount": "\(mountPoint)", "filesystem_trimmed_bytes": "\(said)"])
            } catch {
                result.skipped[device] = "FITRIM failed: \(error)"
                logger.warning("cannot trim", metadata: ["pool": "\(pool)", "device": "\(device)", "error": "\(error)"])
            }
        }
        return result
    }

    // MARK: - Annotation

    public func annotate(_ pools: inout [ThinPool]) {
        let (spaces, volumes) = state.withLock { ($0.pools, $0.volumes) }
        for i in pools.indices {
            pools[i].space = spaces[pools[i].name]
            guard let v = volumes[pools[i].name] else { continue }
            for j in pools[i].thinVolumes.indices { pools[i].thinVolumes[j].space = v[pools[i].thinVolumes[j].name] }
        }
    }

    public func annotate(pool: inout ThinPool) {
        pool.space = state.withLock { $0.pools[pool.name] }
    }
}

/// Why a scan read no metadata snapshot.
public enum ScanError: Error, CustomStringConvertible {
    case heldByAnother(root: UInt64)
    case noMetadataDevice(String)
    case reserve(String)
    case marker(String)
    case cannotRun(tool: String, String)
    case timedOut(tool: String, seconds: Double)
    case failed(tool: String, stderr: String)
    case output(tool: String, ParseError)

    public var description: String {
        switch self {
        case .heldByAnother(let root): return "a metadata snapshot is held by another tool (root \(root)); not touched"
        case .noMetadataDevice(let d): return "the metadata device \(d) has no device node"
        case .reserve(let e): return "reserve_metadata_snap failed: \(e)"
        case .marker(let e): return "cannot write the snapshot marker: \(e)"
        case .cannotRun(let tool, let why): return "cannot run \(tool): \(why)"
        case .timedOut(let tool, let s): return "\(tool) ran past \(Int(s)) s and was ended"
        case .failed(let tool, let stderr): return "\(tool) failed: \(stderr)"
        case .output(let tool, let e): return "\(tool) printed what we cannot read: \(e)"
        }
    }
}

/// The scanner's counts, for the metrics.
public struct SpaceScanStats: Sendable, Equatable {
    public var scans: [String: UInt64] = [:]
    public var skipped: [String: UInt64] = [:]
    public var durations: [String: Double] = [:]
    public var leftoversReleased: UInt64 = 0
    /// FITRIMs made for autoextend, by pool.
    public var trims: [String: UInt64] = [:]
}

extension String {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
