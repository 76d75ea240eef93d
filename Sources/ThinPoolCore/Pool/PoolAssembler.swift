/// The pools found among a set of device readings.
public struct PoolAssembly: Sendable {
    /// One entry per device whose table holds a thin-pool target, sorted by name.
    public var pools: [(name: String, result: Result<ThinPool, PoolError>)]
    /// Thin volumes whose pool is not among the devices (or cannot be told: a fixture without
    /// device numbers), by name.
    public var unattributedThinVolumes: [String]
}

/// Joins device readings into pools, each with the thin volumes that use it.
public enum PoolAssembler {
    public static func assemble(_ devices: [DeviceReading]) -> PoolAssembly {
        var numberByName: [String: DeviceNumber] = [:]
        for d in devices { numberByName[d.info.name] = d.info.number }
        var poolKeys: Set<String> = []
        for d in devices where d.table.contains(where: { $0.type == "thin-pool" }) {
            poolKeys.insert(poolKey(name: d.info.name, number: d.info.number))
        }

        var volumesByPool: [String: [ThinVolume]] = [:]
        var unattributed: [String] = []
        for d in devices where d.table.count == 1 && d.table[0].type == "thin" {
            let t = d.table[0]
            let table = try? ThinTable(parsing: t.params)
            let poolDevice: DeviceRef?
            if let table {
                poolDevice = table.poolDevice
            } else if d.isThinWithFailedTable, let deps = d.dependencies, deps.count == 1 {
                poolDevice = .number(deps[0])
            } else {
                poolDevice = nil
            }
            let key: String?
            switch poolDevice {
            case .number(let n): key = "#\(n)"
            case .path(let p):
                let name = p.hasPrefix("/dev/mapper/") ? String(p.dropFirst(12)) : nil
                key = name.map { poolKey(name: $0, number: numberByName[$0] ?? nil) }
            case nil: key = nil
            }
            guard let key, poolKeys.contains(key) else {
                unattributed.append(d.info.name)
                continue
            }
            volumesByPool[key, default: []].append(volume(d, table: table))
        }

        var pools: [(name: String, result: Result<ThinPool, PoolError>)] = []
        for d in devices where d.table.contains(where: { $0.type == "thin-pool" }) {
            // Taken out of the dictionary and sorted in place: no second copy of 10,000 volumes.
            var volumes = volumesByPool.removeValue(forKey: poolKey(name: d.info.name, number: d.info.number)) ?? []
            volumes.sort { $0.name < $1.name }
            pools.append(
                (
                    d.info.name,
                    Result { () throws(PoolError) -> ThinPool in
                        try pool(d, volumes: volumes)
                    }
                ))
        }
        return PoolAssembly(
            pools: pools.sorted { $0.name < $1.name },
            unattributedThinVolumes: unattributed.sorted())
    }

    /// Pools are matched by device number when known, else by name.
    private static func poolKey(name: String, number: DeviceNumber?) -> String {
        number.map { "#\($0)" } ?? "name:\(name)"
    }

    private static func volume(_ d: DeviceReading, table: ThinTable?) -> ThinVolume {
        var status: ThinStatus?
        var statusError: String?
        if let e = d.statusError {
            statusError = e.description
        } else if let s = d.status, s.count == 1, s[0].type == "thin" {
            do { status = try ThinStatus(parsing: s[0].params) } catch { statusError = error.at(s[0].origin).description }
        } else {
            statusError = "no thin status line"
        }
        var v = ThinVolume(
            name: d.info.name, uuid: d.info.uuid, number: d.info.number,
            size: Sectors(d.table[0].length), table: table, status: status,
            statusError: statusError)
        v.suspended = d.info.suspended
        v.inactiveTable = d.info.inactiveTable
        v.deferredRemove = d.info.deferredRemove
        return v
    }

    /// One pool device on its own, without its thin volumes (the one-pool re-read), checked as
    /// ``assemble(_:)`` checks it; `parsedTable`: its table as parsed before (the same text),
    /// not parsed again. nil when the device has no thin-pool target.
    public static func pool(alone d: DeviceReading, parsedTable: ThinPoolTable? = nil) -> Result<ThinPool, PoolError>? {
        guard d.table.contains(where: { $0.type == "thin-pool" }) else { return nil }
        return Result { () throws(PoolError) -> ThinPool in try pool(d, volumes: [], parsedTable: parsedTable) }
    }

    private static func pool(_ d: DeviceReading, volumes: [ThinVolume], parsedTable: ThinPoolTable? = nil) throws(PoolError)
        -> ThinPool
    {
        let name = d.info.name
        guard d.table.count == 1 else { throw .notTheOnlyTarget(device: name, targets: d.table.count) }
        let t = d.table[0]
        let table: ThinPoolTable
        if let parsedTable {
            table = parsedTable
        } else {
            do { table = try ThinPoolTable(parsing: t.params) } catch { throw .parse(error.at(t.origin)) }
        }
        if let e = d.statusError { throw .device(e) }
        guard let lines = d.status, lines.count == 1, lines[0].type == "thin-pool" else {
            throw .statusMismatch(device: name, statusTypes: (d.status ?? []).map(\.type))
        }
        let status: ThinPoolStatus
        do { status = try ThinPoolStatus(parsing: lines[0].params) } catch { throw .parse(error.at(lines[0].origin)) }
        var pool = ThinPool(
            name: name, uuid: d.info.uuid, number: d.info.number,
            eventNumber: d.info.eventNumber, length: Sectors(t.length),
            table: table, status: status, thinVolumes: volumes, suspended: d.info.suspended)
        pool.inactiveTable = d.info.inactiveTable
        pool.deferredRemove = d.info.deferredRemove
        return pool
    }
}
