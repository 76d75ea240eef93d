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
/// - **One pool** (``read(pool:)``, PoolReader+OnePool.swift): one STATUS (and a TABLE only
///   when it may have changed), equal to what a full read would report for the pool, without
///   its thin volumes. The alert and autoextend path.
/// - **What changed** (``changes(since:afterWake:)``, PoolReader+Changes.swift): the watcher's
///   view -- the pools whose event number moved since its cursor, or everything when devices
///   came or went.
///
/// The cache of tables is PoolReader+TableCache.swift; the bookkeeping a long-lived reader
/// keeps across readings -- since when a device is stuck, the out-of-space countdown -- is
/// PoolReader+Stuck.swift and PoolReader+Countdown.swift. All mutable state is ``State``,
/// behind one lock.
public final class PoolReader: Sendable {
    public let client: any DeviceMapperClient
    public let backing: any LoopBackingProbe
    public let logger: Logger
    /// dm.min_free_space for a pool, by name and its owner's own setting (docker's
    /// daemon.json for its pool; ``ThinPool/ownerMinFreeSpacePercent``).
    public let minFreeSpacePercent: @Sendable (String, UInt64?) -> UInt64
    /// Names pools and thin volumes by what uses them; runs before capacity is computed.
    public let annotator: (any PoolAnnotator)?
    /// The annotator's one-pool call, captured once at init: the one-pool path calls it on
    /// every read without unwrapping the optional existential.
    let annotateOne: (@Sendable (inout ThinPool) -> Void)?
    /// Reuse tables while event numbers stand still (off only to measure what that saves).
    public let cacheTables: Bool
    /// The out-of-space countdown's sources (no_space_timeout, each volume's writes in flight);
    /// nil: no countdown (a fixture has no kernel timer and no history).
    public let outOfSpaceProbe: (any OutOfSpaceProbe)?
    /// `outOfSpaceProbe != nil`, decided once at init for the one-pool path.
    let countsDown: Bool
    /// Wall-clock time, unix seconds (tests set it).
    public let now: @Sendable () -> Double
    /// A long-lived reader (the agent) says since when a device is stuck; a one-off reading
    /// cannot.
    public let keepsHistory: Bool
    /// Called after a full read of many devices (``releaseAfterDevices``), once what it
    /// allocated on the way is freed: a long-lived reader (the agent) gives that memory back to
    /// the kernel (``Heap/releaseFreePages()``).
    public let releaseMemory: (@Sendable () -> Void)?

    /// Everything the reader keeps between readings (``state``).
    struct State: Sendable {
        /// The last table read of every device, by name (PoolReader+TableCache.swift).
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
        var alone: [RereadTemplate] = []
    }

    /// Full reads, one at a time, shared by the callers that arrived while the one before ran.
    let fullReads = Coalescer<Result<HostReading, DeviceMapperError>>()
    let state = Locked(State())
    /// Tables read so far (each reading's ``CachedTable/serial``).
    let tableReads = Atomic<UInt64>(0)

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
            self.annotateOne = { (pool: inout ThinPool) in annotator.annotate(pool: &pool) }
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
    public func read() throws(DeviceMapperError) -> HostReading {
        try fullReads.run {
            let result = Result { () throws(DeviceMapperError) -> HostReading in try readAll() }
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
    func readAll() throws(DeviceMapperError) -> HostReading {
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
        var assembled: [ThinPool] = []
        var failed: [(String, PoolError)] = []
        let unattributed: [String]
        do {
            // The device readings and the assembly end in this scope, so the annotator's writes
            // to the thin volumes find their arrays unshared (no copy of each array).
            let assembly = PoolAssembler.assemble(readings)
            readings = []
            for (name, result) in assembly.pools {
                switch result {
                case .success(var pool):
                    let files = backingFiles(pool.table, cached: fresh[name]?.pool)
                    fresh[name]?.pool = files
                    attachBacking(&pool, files)
                    measureBacking(&pool, files)
                    assembled.append(pool)
                case .failure(let e):
                    failed.append((name, e))
                }
            }
            unattributed = assembly.unattributedThinVolumes
        }
        annotator?.annotate(&assembled)
        markStuck(&assembled)
        if outOfSpaceProbe != nil {
            // The volumes as read, kept for the writers of a pool re-read alone.
            state.withLock { s in
                s.volumes = Dictionary(assembled.map { ($0.name, $0.thinVolumes) }, uniquingKeysWith: { a, _ in a })
                s.outOfSpaceSince = s.outOfSpaceSince.filter { name, _ in assembled.contains { $0.name == name } }
            }
            for i in assembled.indices {
                let volumes = assembled[i].thinVolumes
                markOutOfSpace(&assembled[i]) { volumes }
            }
        }
        var pools = assembled.map {
            PoolReading(pool: $0, minFreeSpacePercent: minFreeSpacePercent($0.name, $0.ownerMinFreeSpacePercent))
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
        return HostReading(
            pools: pools, deviceCount: entries.count,
            unattributedThinVolumes: unattributed, deviceErrors: deviceErrors,
            versions: client.versions())
    }

}
