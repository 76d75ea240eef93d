import DeviceMapper
import Logging
import Synchronization
import ThinPool

/// Reads every thin pool through a ``DeviceMapper`` client.
///
/// One collection is a LIST, a STATUS (no-flush) of each pool and thin volume, and a TABLE
/// only of devices whose event number moved since their table was last read: a live table
/// changes only on resume, which raises an event, so tables are cached by event number.
public final class PoolReader: Sendable {
    public let client: any DeviceMapper
    public let backing: any LoopBackingProbe
    public let logger: Logger
    /// dm.min_free_space for a pool, by name.
    public let minFreeSpacePercent: @Sendable (String) -> UInt64

    private struct CachedTable {
        var number: DeviceNumber?
        var eventNumber: UInt32
        var info: DeviceInfo
        var targets: [Target]
    }

    private let tables = Mutex<[String: CachedTable]>([:])

    public init(client: any DeviceMapper, backing: any LoopBackingProbe = SysfsLoopBacking(),
                logger: Logger = Logger(label: "thinpool.reader"),
                minFreeSpacePercent: @escaping @Sendable (String) -> UInt64 = { _ in PoolCapacity.defaultMinFreeSpacePercent }) {
        self.client = client
        self.backing = backing
        self.logger = logger
        self.minFreeSpacePercent = minFreeSpacePercent
    }

    /// Every pool on the host. Throws only when device-mapper as a whole cannot be read
    /// (not available, not permitted, a malformed fixture); one pool's failure is reported in
    /// its ``PoolReading``.
    public func read() throws -> PoolReport {
        let entries = try client.listDevices()
        let cache = tables.withLock { $0 }
        var fresh: [String: CachedTable] = [:]
        var readings: [DeviceReading] = []
        var deviceErrors: [String: String] = [:]
        for entry in entries {
            do {
                var table: CachedTable
                if let cached = cache[entry.name], let event = entry.eventNumber, cached.eventNumber == event,
                   cached.number == entry.number {
                    table = cached
                } else {
                    table = try readTable(entry.name)
                }
                var reading = DeviceReading(info: table.info, table: table.targets, status: nil)
                if DeviceReading.needsStatus(table.targets) {
                    do {
                        let status = try client.status(entry.name)
                        if let e = status.info.eventNumber, e != table.eventNumber {
                            // Reloaded and resumed between our two reads: read the table again.
                            table = try readTable(entry.name)
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
        tables.withLock { $0 = fresh }
        let assembly = PoolAssembler.assemble(readings)
        let pools = assembly.pools.map { name, result in
            reading(name: name, result: result)
        }
        return PoolReport(pools: pools, deviceCount: entries.count,
                          unattributedThinVolumes: assembly.unattributedThinVolumes, deviceErrors: deviceErrors)
    }

    /// One pool, re-read with a single STATUS (and a TABLE only if its event number moved):
    /// the fast path for alerts and autoextend. Thin volumes are not read (the snapshot has
    /// none). Throws `.noSuchDevice` when the pool is gone.
    public func read(pool name: String) throws -> PoolReading {
        let status = try client.status(name)
        var table: CachedTable
        if let cached = tables.withLock({ $0[name] }), cached.eventNumber == status.info.eventNumber,
           cached.number == status.info.number {
            table = cached
        } else {
            table = try readTable(name)
            tables.withLock { $0[name] = table }
        }
        guard table.targets.contains(where: { $0.type == "thin-pool" }) else {
            throw DeviceMapperError(.noSuchDevice, .status, device: name, detail: "\(name) is not a thin pool")
        }
        let assembly = PoolAssembler.assemble([DeviceReading(info: status.info, table: table.targets, status: status.targets)])
        return reading(name: name, result: assembly.pools[0].result)
    }

    private func readTable(_ name: String) throws -> CachedTable {
        let t = try client.table(name)
        return CachedTable(number: t.info.number, eventNumber: t.info.eventNumber ?? 0, info: t.info, targets: t.targets)
    }

    private func reading(name: String, result: Result<PoolSnapshot, PoolError>) -> PoolReading {
        let percent = minFreeSpacePercent(name)
        switch result {
        case .failure(let e):
            return PoolReading(name: name, error: e, minFreeSpacePercent: percent)
        case .success(var snapshot):
            snapshot.dataBacking = backing.backing(of: snapshot.table.dataDevice)
            snapshot.metadataBacking = backing.backing(of: snapshot.table.metadataDevice)
            return PoolReading(snapshot: snapshot, minFreeSpacePercent: percent)
        }
    }
}

extension DeviceMapperError {
    /// Failures that concern device-mapper as a whole, not one device.
    public var isGlobal: Bool {
        code == .notAvailable || code == .permissionDenied || code == .badFixture
    }
}
