import Logging
import Synchronization
import SystemIO
import ThinPoolCore

#if canImport(Glibc)
    import Glibc
#endif

/// Reads every thin pool through a ``DeviceMapperClient``: the one way pool readings are made,
/// for scrapes, `status`, the watcher and autoextend alike.
///
/// - **A full read** (``read()``) is a LIST, a STATUS (no-flush) of each pool and thin volume,
///   and a TABLE only of devices whose table may have changed since it was last read: a live
///   table changes only when a device is created or resumed, which moves the kernel's global
///   event counter (``DeviceMapperClient/tableGeneration()``), so tables are cached while it
///   stands still -- for pools with their parsed form and the loop files behind them. Full reads
///   are coalesced: one runs at a time, and callers that arrive while one runs wait for the next
///   and share its result, so no caller gets a reading older than its arrival and the kernel is
///   read once for all of them.
/// - **One pool** (``read(pool:)``): one STATUS (and a TABLE only when it may have changed),
///   assembled exactly as a full read assembles it, without its thin volumes.
/// - **What changed** (``changes(since:afterWake:)``): the watcher's view -- the pools whose
///   event number moved since its cursor, or everything when devices came or went.
public final class PoolReader: Sendable {
    public let client: any DeviceMapperClient
    public let backing: any LoopBackingProbe
    public let logger: Logger
    /// dm.min_free_space for a pool, by name and its owner's own setting (docker's
    /// daemon.json for its pool; ``PoolSnapshot/ownerMinFreeSpacePercent``).
    public let minFreeSpacePercent: @Sendable (String, UInt64?) -> UInt64
    /// Names pools and thin volumes by what uses them; runs before capacity is computed.
    public let annotator: (any PoolAnnotator)?
    /// The annotator's one-pool call, captured once (calling through the optional existential
    /// copied it three times per re-read).
    private let annotateOne: (@Sendable (inout PoolSnapshot) -> Void)?
    /// Reuse tables while event numbers stand still (off only to measure what that saves).
    public let cacheTables: Bool
    /// The out-of-space countdown's sources (no_space_timeout, each volume's writes in flight);
    /// nil: no countdown (a fixture has no kernel timer and no history).
    public let outOfSpaceProbe: (any OutOfSpaceProbe)?
    /// `outOfSpaceProbe != nil`, kept: asking the optional existential copied it on every
    /// one-pool read.
    private let countsDown: Bool
    /// Wall-clock time, unix seconds (tests set it).
    public let now: @Sendable () -> Double
    /// A long-lived reader (the agent) says since when a device is stuck; a one-off reading
    /// cannot.
    public let keepsHistory: Bool
    /// Called after a full read of many devices (``releaseAfterDevices``), once what it
    /// allocated on the way is freed: a long-lived reader (the agent) gives that memory back to
    /// the kernel (``Heap/releaseFreePages()``).
    public let releaseMemory: (@Sendable () -> Void)?

    private struct CachedTable: Sendable {
        /// The table generation before it was read.
        var generation: UInt64
        /// This reading of the table, among all the reader made (a pool's re-read template
        /// holds the one it was assembled with).
        var serial: UInt64 = 0
        var number: DeviceNumber?
        var eventNumber: UInt32
        var info: DeviceInfo
        var targets: [Target]
        /// For a thin-pool device: its parsed table and loop files, found once per table.
        /// Boxed: only pools have one, and the cache holds an entry for every device (10,000
        /// thin volumes made the inline optional a third of the cache's 9 MB).
        var pool: PoolTable? {
            get { poolBox?.value }
            set { poolBox = newValue.map(Indirect.init) }
        }
        private var poolBox: Indirect<PoolTable>?

        init(generation: UInt64, number: DeviceNumber?, eventNumber: UInt32, info: DeviceInfo, targets: [Target]) {
            self.generation = generation
            self.number = number
            self.eventNumber = eventNumber
            self.info = info
            self.targets = targets
        }
    }

    private struct PoolTable: Sendable {
        let table: ThinPoolTable
        let dataBackingFile: BackingFile?
        let metadataBackingFile: BackingFile?
        /// Either device is a loop file (a Bool: the re-read path asks on every read, and asking
        /// an optional of a struct with strings whether it is nil copied it).
        let loopBacked: Bool
        /// What ``measureBacking(_:_:)`` measures, decided once per table: the data file's
        /// path, and the metadata file's unless it shares the data file's filesystem (then
        /// `metadataSharesData`: one statfs serves both, as docker's two files usually are).
        let dataPath: String?
        let metadataPath: String?
        let metadataSharesData: Bool

        init(table: ThinPoolTable, dataBackingFile: BackingFile?, metadataBackingFile: BackingFile?) {
            self.table = table
            self.dataBackingFile = dataBackingFile
            self.metadataBackingFile = metadataBackingFile
            loopBacked = dataBackingFile != nil || metadataBackingFile != nil
            dataPath = dataBackingFile?.path
            metadataSharesData =
                metadataBackingFile != nil && dataBackingFile != nil
                && metadataBackingFile?.file.device == dataBackingFile?.file.device
            metadataPath = metadataSharesData ? nil : metadataBackingFile?.path
        }
    }

    private struct State: Sendable {
        var tables: [String: CachedTable] = [:]
        /// Pools out of data space queueing writes: when a reading first found them so.
        var outOfSpaceSince: [String: Double] = [:]
        /// Each pool's thin volumes at the last full read, for the writers of a pool re-read
        /// alone.
        var volumes: [String: [ThinVolume]] = [:]
        /// Devices found stuck (suspended, an inactive table...): since when, by device and
        /// state; and each pool's thin volumes' at the last full read (a pool re-read alone
        /// keeps them).
        var stuckSince: [String: [StuckDevice.State: Double]] = [:]
        /// Only pools with a stuck thin volume (usually none).
        var stuckVolumes: [String: [StuckDevice]] = [:]
        /// Pools re-read alone, as assembled from their cached table (few: searched in order).
        var alone: [AloneTemplate] = []
    }

    /// A pool as a one-pool re-read assembled it from a cached table, before annotation: the
    /// next re-read whose status agrees with that table (device, event number, target) takes it
    /// and sets only what a STATUS says, instead of assembling the pool again.
    private final class AloneTemplate: @unchecked Sendable {
        // name, number and uuid are the snapshot's, kept apart: reading them through
        // `snapshot` copied the whole snapshot out of the class on every check.
        let name: String
        let tableSerial: UInt64
        let eventNumber: UInt32
        let number: DeviceNumber?
        let uuid: String?
        let start: UInt64
        let length: UInt64
        /// The pool as assembled (backing attached, nothing else set yet, no capacity): a
        /// re-read takes a copy of it -- one retain -- and writes that copy.
        let reading: PoolReading
        let files: PoolTable

        /// A STATUS agrees with the table this was assembled from: the same device (number,
        /// uuid), event number and target (start and length; a thin-pool by ``PoolStatusLine``).
        func agrees(with info: DeviceInfo, _ line: PoolStatusLine) -> Bool {
            info.eventNumber == eventNumber && info.number == number && line.start == start && line.length == length
                && info.uuid == uuid
        }

        init(
            tableSerial: UInt64, eventNumber: UInt32, start: UInt64, length: UInt64, snapshot: PoolSnapshot,
            reading: PoolReading, files: PoolTable
        ) {
            self.name = snapshot.name
            self.number = snapshot.number
            self.uuid = snapshot.uuid
            self.reading = reading
            self.tableSerial = tableSerial
            self.eventNumber = eventNumber
            self.start = start
            self.length = length
            self.files = files
            spare = .allocate(capacity: 1)
            spare.initialize(to: nil)
        }

        deinit {
            spare.deinitialize(count: 1)
            spare.deallocate()
        }

        // The last re-read's reading, kept to be written again by the next: once its caller
        // has let it go the template holds its only reference, and writing it in place saves
        // copying the template's (a box, the snapshot's bytes and a dozen retains, then as
        // many releases). One thread at a time holds it (`spareHeld`, taken and given back
        // without a lock: @unchecked Sendable is for this slot); the others copy `reading`.
        private let spareHeld = Atomic<Bool>(false)
        private let spare: UnsafeMutablePointer<PoolReading?>

        /// `body` with the slot (nil before the first re-read), unless another thread holds
        /// it: then nil.
        func withSpare<T>(_ body: (inout PoolReading?) -> T) -> T? {
            guard spareHeld.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return nil }
            defer { spareHeld.store(false, ordering: .releasing) }
            return body(&spare.pointee)
        }
    }

    /// Full reads, one at a time, shared by the callers that arrived while the one before ran.
    private let fullReads = Coalescer<Result<PoolReport, DeviceMapperError>>()
    private let state = Locked(State())
    /// Tables read so far (each reading's ``CachedTable/serial``).
    private let tableReads = Atomic<UInt64>(0)

    public init(
        client: any DeviceMapperClient, backing: any LoopBackingProbe = SysfsLoopBacking(),
        logger: Logger = Logger(label: "thinpool.reader"),
        minFreeSpacePercent: @escaping @Sendable (String, UInt64?) -> UInt64 = PoolReader.dockerMinFreeSpace,
        annotator: (any PoolAnnotator)? = nil, cacheTables: Bool = true, outOfSpaceProbe: (any OutOfSpaceProbe)? = nil,
        now: @escaping @Sendable () -> Double = PoolReader.wallClock, keepsHistory: Bool = false,
        releaseMemory: (@Sendable () -> Void)? = nil
    ) {
        self.keepsHistory = keepsHistory
        self.releaseMemory = releaseMemory
        self.outOfSpaceProbe = outOfSpaceProbe
        countsDown = outOfSpaceProbe != nil
        self.now = now
        self.annotator = annotator
        if let annotator {
            self.annotateOne = { (snapshot: inout PoolSnapshot) in annotator.annotate(pool: &snapshot) }
        } else {
            self.annotateOne = nil
        }
        self.cacheTables = cacheTables
        self.client = client
        self.backing = backing
        self.logger = logger
        self.minFreeSpacePercent = minFreeSpacePercent
    }

    /// docker's dm.min_free_space when the pool is docker's and its daemon.json sets it, else
    /// docker's default.
    public static let dockerMinFreeSpace: @Sendable (String, UInt64?) -> UInt64 = { _, own in
        own ?? PoolCapacity.defaultMinFreeSpacePercent
    }

    /// Callers waiting for a full read (one is running).
    public var waitingForFullRead: Int { fullReads.waiting }

    /// How many full reads were made and how many callers shared one.
    public var stats: ReaderStats {
        let c = fullReads.counts
        return ReaderStats(fullReads: c.runs, shared: c.shared)
    }

    // MARK: - Full reads, coalesced

    /// Every pool on the host, read after this call began. Throws only when device-mapper as a
    /// whole cannot be read (not available, not permitted, a malformed fixture); one pool's
    /// failure is reported in its ``PoolReading``.
    public func read() throws(DeviceMapperError) -> PoolReport {
        try fullReads.run {
            let result = Result { () throws(DeviceMapperError) -> PoolReport in try readAll() }
            if let releaseMemory, case .success(let report) = result, report.deviceCount >= Self.releaseAfterDevices {
                releaseMemory()
            }
            return result
        }.get()
    }

    /// A full read of this many devices or more leaves enough freed memory behind (a few MB per
    /// thousand thin volumes) to give back to the kernel at once; a smaller one is not worth
    /// the walk over the heap.
    public static let releaseAfterDevices = 1000

    /// One full read, uncoalesced: only ``read()`` calls it.
    private func readAll() throws(DeviceMapperError) -> PoolReport {
        let generation = client.tableGeneration()
        let entries = try client.listDevices()
        let cache = cacheTables ? state.withLock { $0.tables } : [:]
        var fresh: [String: CachedTable] = [:]
        var readings: [DeviceReading] = []
        fresh.reserveCapacity(entries.count)
        readings.reserveCapacity(entries.count)
        var deviceErrors: [String: String] = [:]
        for entry in entries {
            do {
                var table: CachedTable
                if let cached = cache[entry.name], let generation, cached.generation == generation,
                    let event = entry.eventNumber, cached.eventNumber == event, cached.number == entry.number
                {
                    table = cached
                } else {
                    table = try readTable(entry.name, generation: generation)
                }
                var reading = DeviceReading(info: table.info, table: table.targets, status: nil)
                if DeviceReading.needsStatus(table.targets) {
                    do {
                        let status = try client.status(entry.name)
                        if let e = status.info.eventNumber, e != table.eventNumber {
                            // Reloaded and resumed between our two reads: read the table again.
                            table = try readTable(entry.name, generation: generation)
                        }
                        reading = DeviceReading(info: status.info, table: table.targets, status: status.targets)
                    } catch  where error.code != .noSuchDevice && !error.isGlobal {
                        reading.statusError = error
                    }
                }
                if reading.isThinWithFailedTable {
                    reading.dependencies = try? client.dependencies(entry.name)
                }
                fresh[entry.name] = table
                readings.append(reading)
            } catch  where error.code == .noSuchDevice {
                // Removed between LIST and this read: it is simply gone.
                logger.debug("device vanished during collection", metadata: ["device": "\(entry.name)"])
            } catch  where !error.isGlobal {
                deviceErrors[entry.name] = error.description
                logger.warning("cannot read device", metadata: ["device": "\(entry.name)", "error": "\(error)"])
            }
        }
        var snapshots: [PoolSnapshot] = []
        var failed: [(String, PoolError)] = []
        let unattributed: [String]
        do {
            // The readings and the assembly end here: the annotator's writes to the volumes
            // then find their arrays unshared instead of copying 10,000 of them.
            let assembly = PoolAssembler.assemble(readings)
            readings = []
            for (name, result) in assembly.pools {
                switch result {
                case .success(var snapshot):
                    let files = backingFiles(snapshot.table, cached: fresh[name]?.pool)
                    fresh[name]?.pool = files
                    attachBacking(&snapshot, files)
                    measureBacking(&snapshot, files)
                    snapshots.append(snapshot)
                case .failure(let e):
                    failed.append((name, e))
                }
            }
            unattributed = assembly.unattributedThinVolumes
        }
        annotator?.annotate(&snapshots)
        markStuck(&snapshots)
        if outOfSpaceProbe != nil {
            // The volumes as read (the arrays are shared, not copied), for a pool re-read alone.
            state.withLock { s in
                s.volumes = Dictionary(snapshots.map { ($0.name, $0.thinVolumes) }, uniquingKeysWith: { a, _ in a })
                s.outOfSpaceSince = s.outOfSpaceSince.filter { name, _ in snapshots.contains { $0.name == name } }
            }
            for i in snapshots.indices {
                let volumes = snapshots[i].thinVolumes
                markOutOfSpace(&snapshots[i]) { volumes }
            }
        }
        var pools = snapshots.map {
            PoolReading(snapshot: $0, minFreeSpacePercent: minFreeSpacePercent($0.name, $0.ownerMinFreeSpacePercent))
        }
        pools += failed.map { PoolReading(name: $0.0, error: $0.1, minFreeSpacePercent: minFreeSpacePercent($0.0, nil)) }
        pools.sort { $0.name < $1.name }
        if cacheTables {
            state.withLock { s in
                s.tables = fresh
                // A pool whose table was read again (or that is gone) is assembled again.
                s.alone.removeAll { fresh[$0.name]?.serial != $0.tableSerial }
            }
        }
        return PoolReport(
            pools: pools, deviceCount: entries.count,
            unattributedThinVolumes: unattributed, deviceErrors: deviceErrors,
            versions: client.versions())
    }

    // MARK: - One pool

    /// One pool, re-read with a single STATUS ioctl: the fast path for alerts and autoextend.
    /// Thin volumes are not read (the snapshot has none). The table is the cached one while the
    /// status agrees with it -- same device, event number, and targets (start, length, type),
    /// so a resize is seen -- and read again otherwise, or when `freshTable` asks (after a
    /// reload of one's own, or a global device-mapper event: a reload that keeps the size, as
    /// of a low-water mark, shows only there; full reads always check). A pool re-read before
    /// from its cached table is not assembled again: its status line is read in the client's
    /// buffer and the pool as last assembled brought up to it; when that does not apply (its
    /// status disagrees, or the line is one only the full parser reads) a second STATUS is read
    /// and the pool assembled, which checks and words everything.
    /// Throws `.noSuchDevice` when the pool is gone; a device that is no longer a pool, or whose
    /// status disagrees with its table, is a reading with that error.
    public func read(pool name: String, freshTable: Bool = false) throws(DeviceMapperError) -> PoolReading {
        // A pool re-read before from a cached table: the status line read in the client's
        // buffer and the template brought up to it. Anything else -- no template, another
        // table, a line only the full parser reads -- is read and assembled again below.
        if cacheTables, !freshTable, let (template, nothingStuck) = template(for: name) {
            let read = try client.poolStatus(name)
            if let line = read.pool, template.agrees(with: read.info, line) {
                return reread(template, line.status, read.info, nothingStuck: nothingStuck)
            }
        }
        return try assemble(pool: name, status: try client.status(name), freshTable: freshTable)
    }

    /// A pool read alone and assembled from its STATUS and its table (the cached one while
    /// the status agrees with it), checked as a full read checks it; kept as the pool's
    /// template when the table came from the cache or was read now.
    private func assemble(pool name: String, status: DeviceTargets, freshTable: Bool) throws(DeviceMapperError)
        -> PoolReading
    {
        var table: CachedTable
        if cacheTables, !freshTable, let cached = state.withLock({ $0.tables[name] }),
            cached.eventNumber == status.info.eventNumber, cached.number == status.info.number,
            Self.sameTargets(cached.targets, status.targets)
        {
            table = cached
        } else {
            table = try readTable(name, generation: client.tableGeneration())
            if cacheTables { state.withLock { [table] in $0.tables[name] = table } }
        }
        let device = DeviceReading(info: status.info, table: table.targets, status: status.targets)
        guard let result = PoolAssembler.pool(alone: device, parsedTable: table.pool?.table) else {
            let error = PoolError.notAPool(device: name, tableTypes: table.targets.map(\.type))
            return PoolReading(name: name, error: error, minFreeSpacePercent: minFreeSpacePercent(name, nil))
        }
        switch result {
        case .failure(let e):
            return PoolReading(name: name, error: e, minFreeSpacePercent: minFreeSpacePercent(name, nil))
        case .success(var snapshot):
            let files = table.pool ?? backingFiles(snapshot.table, cached: nil)
            attachBacking(&snapshot, files)
            var reading = PoolReading(name: name, snapshot: snapshot, capacity: nil, error: nil, minFreeSpacePercent: 0)
            if cacheTables, let event = status.info.eventNumber, event == table.eventNumber, status.targets.count == 1 {
                let template = AloneTemplate(
                    tableSerial: table.serial, eventNumber: event, start: status.targets[0].start,
                    length: status.targets[0].length, snapshot: snapshot, reading: reading, files: files)
                state.withLock { s in
                    s.alone.removeAll { $0.name == name }
                    // Only while the cache still holds that table: a full read that read it
                    // again meanwhile (and retired templates) must not be undone.
                    if s.tables[name]?.serial == table.serial { s.alone.append(template) }
                }
            }
            // The reading's own snapshot, written in place (the template's stays as assembled).
            let percent = finish(&reading.snapshot!, files: files)
            reading.computeCapacity(minFreeSpacePercent: percent)
            return reading
        }
    }

    /// A pool's template, if it has one, and whether no device was stuck at the last reading
    /// (then a pool not stuck itself needs no bookkeeping): one lock for both.
    private func template(for name: String) -> (AloneTemplate, Bool)? {
        state.withLock { s in
            guard let template = s.alone.first(where: { Self.sameBytes($0.name, name) }) else { return nil }
            return (template, s.stuckVolumes.isEmpty && s.stuckSince.isEmpty)
        }
    }

    /// Two device names byte for byte (what the kernel compares). String's == also weighs
    /// canonical equivalence, a few hundred instructions on every alert-path read; a template
    /// missed by a name not stored contiguously only means a full assembly.
    static func sameBytes(_ a: String, _ b: String) -> Bool {
        let same = a.utf8.withContiguousStorageIfAvailable { x -> Bool? in
            b.utf8.withContiguousStorageIfAvailable { y in
                x.count == y.count && (x.isEmpty || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0)
            }
        }
        return (same ?? nil) ?? (a == b)
    }

    /// A pool's template brought up to a STATUS: a copy of its reading (one retain; the first
    /// write copies its storage once), the fields a STATUS says set in that copy's snapshot,
    /// then ``finish(_:files:nothingStuck:)`` and the capacity, all in place. A snapshot is
    /// hundreds of bytes and a dozen references, and each copy of it was a measurable part of
    /// this path.
    private func reread(_ template: AloneTemplate, _ status: ThinPoolStatus, _ info: DeviceInfo, nothingStuck: Bool)
        -> PoolReading
    {
        // Written where it lies: the slot's reading, or a copy of the template's put there;
        // the caller gets another reference to it (a retain).
        let kept = template.withSpare { slot -> PoolReading in
            let reused = slot != nil
            if !reused { slot = template.reading }
            bringUp(&slot!, template, status, info, nothingStuck: nothingStuck, reused: reused)
            return slot!
        }
        if let kept { return kept }
        var reading = template.reading
        bringUp(&reading, template, status, info, nothingStuck: nothingStuck, reused: false)
        return reading
    }

    /// A copy of a template's reading (or the last re-read's) brought up to a STATUS.
    private func bringUp(
        _ reading: inout PoolReading, _ template: AloneTemplate, _ status: ThinPoolStatus, _ info: DeviceInfo,
        nothingStuck: Bool, reused: Bool
    ) {
        let percent = update(
            &reading.snapshot!, status: status, info: info, files: template.files, nothingStuck: nothingStuck,
            reused: reused)
        reading.computeCapacity(minFreeSpacePercent: percent)
    }

    /// A template's snapshot brought up to this STATUS: what pool(alone:) takes from one (the
    /// rest is the table's, and equal), then as ``finish(_:files:nothingStuck:)``. A `reused`
    /// snapshot (the last re-read's) first gets back what the template has where finish may
    /// have written since: no owner or space (the annotators', which may leave them alone),
    /// nothing stuck, no countdown. Loop files' free space is measured again either way.
    private func update(
        _ snapshot: inout PoolSnapshot, status: ThinPoolStatus, info: DeviceInfo, files: PoolTable, nothingStuck: Bool,
        reused: Bool
    ) -> UInt64 {
        if reused {
            snapshot.sharedOwner = nil
            snapshot.space = nil
            if !snapshot.stuck.isEmpty { snapshot.stuck = [] }
            snapshot.outOfSpace = nil
        }
        snapshot.status = status
        snapshot.suspended = info.suspended
        snapshot.inactiveTable = info.inactiveTable
        snapshot.deferredRemove = info.deferredRemove
        return finish(&snapshot, files: files, nothingStuck: nothingStuck)
    }

    /// A one-pool read's assembled snapshot made current: loop files measured, annotated,
    /// stuck states and countdown as kept. Returns the pool's dm.min_free_space, for its
    /// capacity (``PoolReading/computeCapacity(minFreeSpacePercent:)``).
    private func finish(_ snapshot: inout PoolSnapshot, files: PoolTable, nothingStuck: Bool = false) -> UInt64 {
        measureBacking(&snapshot, files)
        annotateOne?(&snapshot)
        // The template's stuck list is empty; with nothing stuck anywhere, so it stays.
        if !(nothingStuck && !snapshot.hasStuckStates) { markStuck(pool: &snapshot) }
        // The pool's thin volumes as the last full read found them.
        if countsDown {
            let name = snapshot.name
            markOutOfSpace(&snapshot) { state.withLock { $0.volumes[name] ?? [] } }
        }
        return minFreeSpacePercent(snapshot.name, snapshot.ownerMinFreeSpacePercent)
    }

    // MARK: - Stuck devices

    /// Every pool's and thin volume's stuck states, with since when; forgets what ended.
    private func markStuck(_ snapshots: inout [PoolSnapshot]) {
        let t = now()
        state.withLock { s in
            var since: [String: [StuckDevice.State: Double]] = [:]
            s.stuckVolumes = [:]
            for i in snapshots.indices {
                snapshots[i].stuck = snapshots[i].stuckStates.map { device, st in
                    let first = s.stuckSince[device]?[st] ?? t
                    since[device, default: [:]][st] = first
                    return StuckDevice(device: device, state: st, since: keepsHistory ? first : nil)
                }
                let volumes = snapshots[i].stuck.filter { $0.device != snapshots[i].name }
                if !volumes.isEmpty { s.stuckVolumes[snapshots[i].name] = volumes }
            }
            s.stuckSince = since
        }
    }

    /// A pool re-read alone: its own states now, its thin volumes' as the last full read found.
    private func markStuck(pool snapshot: inout PoolSnapshot) {
        let name = snapshot.name
        let own = snapshot.stuckStates
        snapshot.stuck = state.withLock { s in
            // The common case, nothing stuck: no bookkeeping.
            if own.isEmpty && s.stuckVolumes.isEmpty && s.stuckSince.isEmpty { return [] }
            let t = now()
            let volumes = s.stuckVolumes[name] ?? []
            var mine: [StuckDevice] = []
            var since: [StuckDevice.State: Double] = [:]
            for (device, st) in own {
                let first = s.stuckSince[name]?[st] ?? t
                since[st] = first
                mine.append(StuckDevice(device: device, state: st, since: keepsHistory ? first : nil))
            }
            s.stuckSince[name] = since.isEmpty ? nil : since
            return mine + volumes
        }
    }

    // MARK: - Out of data space

    /// The countdown of a pool out of data space that queues writes: since when (kept across
    /// readings), the kernel's timeout, and which of `volumes` have writes in flight. Clears it
    /// for a pool that is not (any more).
    private func markOutOfSpace(_ snapshot: inout PoolSnapshot, volumes: () -> [ThinVolume]) {
        guard let probe = outOfSpaceProbe else { return }
        let queueing = snapshot.mode == .outOfDataSpace && snapshot.noSpacePolicy == .queue
        let since = state.withLock { s -> Double? in
            guard queueing else {
                if !s.outOfSpaceSince.isEmpty { s.outOfSpaceSince[snapshot.name] = nil }
                return nil
            }
            if let since = s.outOfSpaceSince[snapshot.name] { return since }
            let t = now()
            s.outOfSpaceSince[snapshot.name] = t
            return t
        }
        guard let since else {
            snapshot.outOfSpace = nil
            return
        }
        var writers: [QueuedWriter] = []
        let blocked = probe.blockedProcesses()
        for v in volumes() {
            guard let n = v.number else { continue }
            let w = QueuedWriter(device: v.name, owner: v.owner, writes: probe.inflightWrites(n) ?? 0, processes: blocked[n] ?? [])
            if w.writes > 0 || !w.processes.isEmpty { writers.append(w) }
        }
        writers.sort { (UInt64($0.processes.count) + $0.writes, $1.device) > (UInt64($1.processes.count) + $1.writes, $0.device) }
        snapshot.outOfSpace = OutOfSpace(since: since, timeoutSeconds: probe.noSpaceTimeout(), writers: writers)
    }

    /// The wall clock in unix seconds.
    public static let wallClock: @Sendable () -> Double = {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    // MARK: - What changed

    /// A full read (``read()``) that also moves `cursor` to it.
    public func read(updating cursor: inout ChangeCursor) throws(DeviceMapperError) -> PoolReport {
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
                cursor.known[e.name] = .some(reading.snapshot?.eventNumber ?? e.eventNumber)
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

    // MARK: - Tables and loop files

    /// Whether a status's targets are those of a table (each target's start, length and type).
    static func sameTargets(_ table: [Target], _ status: [Target]) -> Bool {
        guard table.count == status.count else { return false }
        for i in table.indices {
            guard table[i].start == status[i].start, table[i].length == status[i].length, table[i].type == status[i].type
            else { return false }
        }
        return true
    }

    /// Reads a table; `generation` is the one taken before (nil: never reused).
    private func readTable(_ name: String, generation: UInt64?) throws(DeviceMapperError) -> CachedTable {
        let t = try client.table(name)
        var cached = CachedTable(
            generation: generation ?? .max, number: t.info.number, eventNumber: t.info.eventNumber ?? 0,
            info: t.info, targets: t.targets)
        cached.serial = tableReads.add(1, ordering: .relaxed).newValue
        if t.targets.count == 1, t.targets[0].type == "thin-pool", let parsed = try? ThinPoolTable(parsing: t.targets[0].params) {
            cached.pool = backingFiles(parsed, cached: nil)
        }
        return cached
    }

    /// The loop files behind a pool's devices: from the cache when its table is the same.
    private func backingFiles(_ table: ThinPoolTable, cached: PoolTable?) -> PoolTable {
        if let cached, cached.table == table { return cached }
        return PoolTable(
            table: table, dataBackingFile: backing.backingFile(of: table.dataDevice),
            metadataBackingFile: backing.backingFile(of: table.metadataDevice))
    }

    /// The loop files' filesystems' free space, measured now (once when both files are on the
    /// same filesystem, as docker's data and metadata files usually are), into the backing
    /// ``attachBacking(_:_:)`` attached.
    private func measureBacking(_ snapshot: inout PoolSnapshot, _ files: PoolTable) {
        guard files.loopBacked else { return }
        // Written through `?.` where they lie (a nil check of a backing copied it).
        var dataFree: Bytes?
        if let path = files.dataPath {
            dataFree = backing.filesystemFree(of: path)
            snapshot.dataBacking?.filesystemFree = dataFree
        }
        if files.metadataSharesData {
            snapshot.metadataBacking?.filesystemFree = dataFree
        } else if let path = files.metadataPath {
            snapshot.metadataBacking?.filesystemFree = backing.filesystemFree(of: path)
        }
    }

    /// The loop files behind the pool's devices, their free space not yet measured
    /// (``measureBacking(_:_:)``).
    private func attachBacking(_ snapshot: inout PoolSnapshot, _ files: PoolTable) {
        snapshot.dataBacking = files.dataBackingFile.map {
            LoopBacking(path: $0.path, filesystemFree: nil, device: $0.device, file: $0.file)
        }
        snapshot.metadataBacking = files.metadataBackingFile.map {
            LoopBacking(path: $0.path, filesystemFree: nil, device: $0.device, file: $0.file)
        }
    }
}

/// What the watcher has seen: each pool with the event number it was last read at, and how many
/// devices there were. ``PoolReader/changes(since:afterWake:)`` reads it and moves it on.
public struct ChangeCursor: Sendable, Equatable {
    var known: [String: UInt32?] = [:]
    var deviceCount: Int?

    public init() {}

    init(_ report: PoolReport) {
        for r in report.pools { known[r.name] = .some(r.snapshot?.eventNumber) }
    }

    /// The pools known, by name, with the event number each was read at (nil: not reported).
    public var pools: [String: UInt32?] { known }
}

/// What ``PoolReader/changes(since:afterWake:)`` found.
public enum PoolChanges: Sendable {
    /// Devices came or went, or it was the first look: every pool was read.
    case all(PoolReport)
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

/// The reader's own counts, for the exporter's metrics.
public struct ReaderStats: Sendable, Equatable {
    /// Full reads made (each a LIST and a STATUS per pool and thin volume).
    public var fullReads: UInt64 = 0
    /// Callers served by a full read another caller made (they arrived while it waited to start).
    public var shared: UInt64 = 0

    public init(fullReads: UInt64 = 0, shared: UInt64 = 0) {
        self.fullReads = fullReads
        self.shared = shared
    }
}

extension DeviceMapperError {
    /// Failures that concern device-mapper as a whole, not one device.
    public var isGlobal: Bool {
        code == .notAvailable || code == .permissionDenied || code == .badFixture
    }
}
