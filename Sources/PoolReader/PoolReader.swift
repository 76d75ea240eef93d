import DeviceMapper
import Logging
import Locking
import ThinPool

/// Reads every thin pool through a ``DeviceMapper`` client.
///
/// One collection is a LIST, a STATUS (no-flush) of each pool and thin volume, and a TABLE
/// only of devices whose table may have changed since it was last read: a live table changes
/// only when a device is created or resumed, which moves the kernel's global event counter
/// (``DeviceMapper/tableGeneration()``), so tables are cached while it stands still -- for
/// pools with their parsed form and the loop files behind them. (A device's own event number
/// is not enough: a resume with a new table, or a new device's first table, leaves it alone.)
public final class PoolReader: Sendable {
    public let client: any DeviceMapper
    public let backing: any LoopBackingProbe
    public let logger: Logger
    /// dm.min_free_space for a pool, by name and owner (docker's own setting for its pool).
    public let minFreeSpacePercent: @Sendable (String, PoolOwner?) -> UInt64
    /// Names pools and thin volumes by what uses them; runs before capacity is computed.
    public let annotator: (any PoolAnnotator)?
    /// Reuse tables while event numbers stand still (off only to measure what that saves).
    public let cacheTables: Bool

    private struct CachedTable: Sendable {
        /// The table generation before it was read.
        var generation: UInt64
        var number: DeviceNumber?
        var eventNumber: UInt32
        var info: DeviceInfo
        var targets: [Target]
        /// For a thin-pool device: its parsed table and loop files, found once per table.
        var pool: PoolTable?
    }

    private struct PoolTable: Sendable {
        var table: ThinPoolTable
        var dataBackingFile: BackingFile?
        var metadataBackingFile: BackingFile?
    }

    private let tables = Locked<[String: CachedTable]>([:])

    public init(client: any DeviceMapper, backing: any LoopBackingProbe = SysfsLoopBacking(),
                logger: Logger = Logger(label: "thinpool.reader"),
                minFreeSpacePercent: @escaping @Sendable (String, PoolOwner?) -> UInt64 = PoolReader.dockerMinFreeSpace,
                annotator: (any PoolAnnotator)? = nil, cacheTables: Bool = true) {
        self.annotator = annotator
        self.cacheTables = cacheTables
        self.client = client
        self.backing = backing
        self.logger = logger
        self.minFreeSpacePercent = minFreeSpacePercent
    }

    /// docker's dm.min_free_space when the pool is docker's and its daemon.json sets it, else
    /// docker's default.
    public static let dockerMinFreeSpace: @Sendable (String, PoolOwner?) -> UInt64 = { _, owner in
        owner?.docker?.minFreeSpacePercent ?? PoolCapacity.defaultMinFreeSpacePercent
    }

    /// Every pool on the host. Throws only when device-mapper as a whole cannot be read
    /// (not available, not permitted, a malformed fixture); one pool's failure is reported in
    /// its ``PoolReading``.
    public func read() throws -> PoolReport {
        let generation = client.tableGeneration()
        let entries = try client.listDevices()
        let cache = cacheTables ? tables.withLock { $0 } : [:]
        var fresh: [String: CachedTable] = [:]
        var readings: [DeviceReading] = []
        var deviceErrors: [String: String] = [:]
        for entry in entries {
            do {
                var table: CachedTable
                if let cached = cache[entry.name], let generation, cached.generation == generation,
                   let event = entry.eventNumber, cached.eventNumber == event, cached.number == entry.number {
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
                    } catch let e as DeviceMapperError where e.code != .noSuchDevice && !e.isGlobal {
                        reading.statusError = e
                    }
                }
                if reading.isThinWithFailedTable {
                    reading.dependencies = try? client.dependencies(entry.name)
                }
                fresh[entry.name] = table
                readings.append(reading)
            } catch let e as DeviceMapperError where e.code == .noSuchDevice {
                // Removed between LIST and this read: it is simply gone.
                logger.debug("device vanished during collection", metadata: ["device": "\(entry.name)"])
            } catch let e as DeviceMapperError where !e.isGlobal {
                deviceErrors[entry.name] = e.description
                logger.warning("cannot read device", metadata: ["device": "\(entry.name)", "error": "\(e)"])
            }
        }
        let assembly = PoolAssembler.assemble(readings)
        var snapshots: [PoolSnapshot] = []
        var failed: [(String, PoolError)] = []
        for (name, result) in assembly.pools {
            switch result {
            case .success(var snapshot):
                let files = backingFiles(snapshot.table, cached: fresh[name]?.pool)
                fresh[name]?.pool = files
                attachBacking(&snapshot, files)
                snapshots.append(snapshot)
            case .failure(let e):
                failed.append((name, e))
            }
        }
        annotator?.annotate(&snapshots)
        var pools = snapshots.map { PoolReading(snapshot: $0, minFreeSpacePercent: minFreeSpacePercent($0.name, $0.owner)) }
        pools += failed.map { PoolReading(name: $0.0, error: $0.1, minFreeSpacePercent: minFreeSpacePercent($0.0, nil)) }
        pools.sort { $0.name < $1.name }
        tables.withLock { $0 = fresh }
        return PoolReport(pools: pools, deviceCount: entries.count,
                          unattributedThinVolumes: assembly.unattributedThinVolumes, deviceErrors: deviceErrors,
                          versions: client.versions())
    }

    /// One pool, re-read with a single STATUS (and a TABLE only if its event number moved):
    /// the fast path for alerts and autoextend. Thin volumes are not read (the snapshot has
    /// none). Throws `.noSuchDevice` when the pool is gone.
    public func read(pool name: String) throws -> PoolReading {
        let generation = client.tableGeneration()
        let status = try client.status(name)
        var table: CachedTable
        var fromCache = false
        if cacheTables, let generation, let cached = tables.withLock({ $0[name] }), cached.generation == generation,
           cached.eventNumber == status.info.eventNumber, cached.number == status.info.number {
            table = cached
            fromCache = true
        } else {
            table = try readTable(name, generation: generation)
        }
        guard table.targets.count == 1, table.targets[0].type == "thin-pool" else {
            throw DeviceMapperError(.noSuchDevice, .status, device: name, detail: "\(name) is not a thin pool")
        }
        if table.pool == nil {
            // The table itself is malformed: report it as a full read would.
            let result = PoolAssembler.assemble([DeviceReading(info: status.info, table: table.targets, status: status.targets)]).pools[0].result
            guard case .success(let snapshot) = result else { return reading(name: name, result: result) }
            table.pool = backingFiles(snapshot.table, cached: nil)
            fromCache = false
        }
        if cacheTables, !fromCache { tables.withLock { [table] in $0[name] = table } }
        let pool = table.pool!
        guard status.targets.count == 1, status.targets[0].type == "thin-pool" else {
            return PoolReading(name: name, error: .invalid("device \(name) has a thin-pool table but its status is not a thin-pool status"),
                               minFreeSpacePercent: minFreeSpacePercent(name, nil))
        }
        let parsed: ThinPoolStatus
        do { parsed = try ThinPoolStatus(parsing: status.targets[0].params) } catch {
            return PoolReading(name: name, error: .parse(error.at(status.targets[0].origin)), minFreeSpacePercent: minFreeSpacePercent(name, nil))
        }
        var snapshot = PoolSnapshot(name: name, uuid: status.info.uuid, number: status.info.number,
                                    eventNumber: status.info.eventNumber, length: Sectors(table.targets[0].length),
                                    table: pool.table, status: parsed, suspended: status.info.suspended)
        attachBacking(&snapshot, pool)
        annotator?.annotate(pool: &snapshot)
        return PoolReading(snapshot: snapshot, minFreeSpacePercent: minFreeSpacePercent(name, snapshot.owner))
    }

    /// Reads a table; `generation` is the one taken before (nil: never reused).
    private func readTable(_ name: String, generation: UInt64?) throws -> CachedTable {
        let t = try client.table(name)
        var cached = CachedTable(generation: generation ?? .max, number: t.info.number, eventNumber: t.info.eventNumber ?? 0,
                                 info: t.info, targets: t.targets)
        if t.targets.count == 1, t.targets[0].type == "thin-pool", let parsed = try? ThinPoolTable(parsing: t.targets[0].params) {
            cached.pool = backingFiles(parsed, cached: nil)
        }
        return cached
    }

    /// The loop files behind a pool's devices: from the cache when its table is the same.
    private func backingFiles(_ table: ThinPoolTable, cached: PoolTable?) -> PoolTable {
        if let cached, cached.table == table { return cached }
        return PoolTable(table: table, dataBackingFile: backing.backingFile(of: table.dataDevice),
                         metadataBackingFile: backing.backingFile(of: table.metadataDevice))
    }

    /// The loop files and their filesystems' free space, measured now (once when both files
    /// are on the same filesystem, as docker's data and metadata files usually are).
    private func attachBacking(_ snapshot: inout PoolSnapshot, _ files: PoolTable) {
        let dataFree = files.dataBackingFile.map { backing.filesystemFree(of: $0.path) }
        snapshot.dataBacking = files.dataBackingFile.map {
            LoopBacking(path: $0.path, filesystemFree: dataFree ?? nil, device: $0.device, file: $0.file)
        }
        snapshot.metadataBacking = files.metadataBackingFile.map { m in
            let free = m.filesystem == files.dataBackingFile?.filesystem && dataFree != nil
                ? dataFree! : backing.filesystemFree(of: m.path)
            return LoopBacking(path: m.path, filesystemFree: free, device: m.device, file: m.file)
        }
    }

    private func reading(name: String, result: Result<PoolSnapshot, PoolError>) -> PoolReading {
        switch result {
        case .failure(let e):
            return PoolReading(name: name, error: e, minFreeSpacePercent: minFreeSpacePercent(name, nil))
        case .success(var snapshot):
            annotator?.annotate(pool: &snapshot)
            return PoolReading(snapshot: snapshot, minFreeSpacePercent: minFreeSpacePercent(name, snapshot.owner))
        }
    }
}

extension DeviceMapperError {
    /// Failures that concern device-mapper as a whole, not one device.
    public var isGlobal: Bool {
        code == .notAvailable || code == .permissionDenied || code == .badFixture
    }
}
