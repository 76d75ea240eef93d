import SystemIO
import ThinPoolCore

#if canImport(Glibc)
    import Glibc
#endif

extension PoolReader {
    // MARK: - One pool

    /// One pool, re-read with a single STATUS ioctl: the fast path for alerts and autoextend.
    /// Thin volumes are not read (the reading has none). The table is the cached one while the
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
    func assemble(pool name: String, status: DeviceTargets, freshTable: Bool) throws(DeviceMapperError)
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
        case .success(var pool):
            let files = table.pool ?? backingFiles(pool.table, cached: nil)
            attachBacking(&pool, files)
            var reading = PoolReading(name: name, pool: pool, capacity: nil, error: nil, minFreeSpacePercent: 0)
            if cacheTables, let event = status.info.eventNumber, event == table.eventNumber, status.targets.count == 1 {
                let template = RereadTemplate(
                    tableSerial: table.serial, eventNumber: event, start: status.targets[0].start,
                    length: status.targets[0].length, pool: pool, reading: reading, files: files)
                state.withLock { s in
                    s.alone.removeAll { $0.name == name }
                    // Only while the cache still holds that table: a full read that read it
                    // again meanwhile (and retired templates) must not be undone.
                    if s.tables[name]?.serial == table.serial { s.alone.append(template) }
                }
            }
            // The reading's own pool, written in place (the template's stays as assembled).
            let percent = finish(&reading.pool!, files: files)
            reading.computeCapacity(minFreeSpacePercent: percent)
            return reading
        }
    }

    /// A pool's template, if it has one, and whether no device was stuck at the last reading
    /// (then a pool not stuck itself needs no bookkeeping): one lock for both.
    func template(for name: String) -> (RereadTemplate, Bool)? {
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

    /// A pool's template brought up to a STATUS: the template's spare reading, or a copy of its
    /// reading (one retain; the first write copies the storage once), gets the fields a STATUS
    /// says, then ``finish(_:files:nothingStuck:)`` and the capacity, written in place. Equal to
    /// what ``assemble(pool:status:freshTable:)`` would return for the same STATUS.
    func reread(_ template: RereadTemplate, _ status: ThinPoolStatus, _ info: DeviceInfo, nothingStuck: Bool)
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
    func bringUp(
        _ reading: inout PoolReading, _ template: RereadTemplate, _ status: ThinPoolStatus, _ info: DeviceInfo,
        nothingStuck: Bool, reused: Bool
    ) {
        let percent = update(
            &reading.pool!, status: status, info: info, files: template.files, nothingStuck: nothingStuck,
            reused: reused)
        reading.computeCapacity(minFreeSpacePercent: percent)
    }

    /// A template's pool brought up to this STATUS: what ``PoolAssembler/pool(alone:parsedTable:)``
    /// takes from one (the rest is the table's, and equal), then as
    /// ``finish(_:files:nothingStuck:)``. A `reused` pool (the last re-read's) first gets back
    /// what the template has where finish may have written since -- no owner or space (the
    /// annotators may leave them alone), nothing stuck, no countdown -- so nothing of an earlier
    /// read survives. Loop files' free space is measured again either way.
    func update(
        _ pool: inout ThinPool, status: ThinPoolStatus, info: DeviceInfo, files: PoolTable, nothingStuck: Bool,
        reused: Bool
    ) -> UInt64 {
        if reused {
            pool.sharedOwner = nil
            pool.space = nil
            if !pool.stuck.isEmpty { pool.stuck = [] }
            pool.outOfSpace = nil
        }
        pool.status = status
        pool.suspended = info.suspended
        pool.inactiveTable = info.inactiveTable
        pool.deferredRemove = info.deferredRemove
        return finish(&pool, files: files, nothingStuck: nothingStuck)
    }

    /// A one-pool read's assembled pool made current: loop files measured, annotated,
    /// stuck states and countdown as kept. Returns the pool's dm.min_free_space, for its
    /// capacity (``PoolReading/computeCapacity(minFreeSpacePercent:)``).
    func finish(_ pool: inout ThinPool, files: PoolTable, nothingStuck: Bool = false) -> UInt64 {
        measureBacking(&pool, files)
        annotateOne?(&pool)
        // The template's stuck list is empty; with nothing stuck anywhere, so it stays.
        if !(nothingStuck && !pool.hasStuckStates) { markStuck(pool: &pool) }
        // The pool's thin volumes as the last full read found them.
        if countsDown {
            let name = pool.name
            markOutOfSpace(&pool) { state.withLock { $0.volumes[name] ?? [] } }
        }
        return minFreeSpacePercent(pool.name, pool.ownerMinFreeSpacePercent)
    }
}
