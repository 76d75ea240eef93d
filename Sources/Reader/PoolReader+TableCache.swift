import SystemIO
import ThinPoolCore

extension PoolReader {
    /// One device's table as last read, valid while the kernel's table generation, the
    /// device's number and its event number are the same as when it was read.
    struct CachedTable: Sendable {
        /// The table generation before it was read.
        var generation: UInt64
        /// This reading of the table, among all the reader made (a pool's re-read template
        /// holds the one it was assembled with).
        var serial: UInt64 = 0
        var number: DeviceNumber?
        var eventNumber: UInt32
        var info: DeviceInfo
        var targets: [Target]
        /// For a thin-pool device: its parsed table and loop files, found once per table. Kept
        /// out of line: only pools have one, and the cache holds an entry for every device.
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

    /// A thin-pool table parsed, with the loop files behind its devices and what
    /// ``measureBacking(_:_:)`` will measure: decided once per table, read on every reading.
    struct PoolTable: Sendable {
        let table: ThinPoolTable
        let dataBackingFile: BackingFile?
        let metadataBackingFile: BackingFile?
        /// Either device is a loop file.
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
    func readTable(_ name: String, generation: UInt64?) throws(DeviceMapperError) -> CachedTable {
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
    func backingFiles(_ table: ThinPoolTable, cached: PoolTable?) -> PoolTable {
        if let cached, cached.table == table { return cached }
        return PoolTable(
            table: table, dataBackingFile: backing.backingFile(of: table.dataDevice),
            metadataBackingFile: backing.backingFile(of: table.metadataDevice))
    }

    /// The loop files' filesystems' free space, measured now (once when both files are on the
    /// same filesystem, as docker's data and metadata files usually are), into the backing
    /// ``attachBacking(_:_:)`` attached.
    func measureBacking(_ pool: inout ThinPool, _ files: PoolTable) {
        guard files.loopBacked else { return }
        var dataFree: Bytes?
        if let path = files.dataPath {
            dataFree = backing.filesystemFree(of: path)
            pool.dataBacking?.filesystemFree = dataFree
        }
        if files.metadataSharesData {
            pool.metadataBacking?.filesystemFree = dataFree
        } else if let path = files.metadataPath {
            pool.metadataBacking?.filesystemFree = backing.filesystemFree(of: path)
        }
    }

    /// The loop files behind the pool's devices, their free space not yet measured
    /// (``measureBacking(_:_:)``).
    func attachBacking(_ pool: inout ThinPool, _ files: PoolTable) {
        pool.dataBacking = files.dataBackingFile.map {
            LoopBacking(path: $0.path, filesystemFree: nil, device: $0.device, file: $0.file)
        }
        pool.metadataBacking = files.metadataBackingFile.map {
            LoopBacking(path: $0.path, filesystemFree: nil, device: $0.device, file: $0.file)
        }
    }
}
