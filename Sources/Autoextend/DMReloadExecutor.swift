import SystemIO
import ThinPoolCore

/// The device under the pool already grew (a resized disk or cloud volume): reload the pool to
/// use it.
public struct DMReloadExecutor: PoolExecutor {
    public let name = "dm-reload"
    let dm: any DeviceMapperClient
    let sysfs: Sysfs

    public init(dm: any DeviceMapperClient, sysfs: Sysfs = Sysfs()) {
        self.dm = dm
        self.sysfs = sysfs
    }

    public func room(_ kind: SpaceKind, pool: ThinPool) throws(ExtendError) -> BackingRoom? {
        guard let dev = (kind == .data ? pool.table.dataDevice : pool.table.metadataDevice).number,
            let sectors = sysfs.sectors(dev), let w = pool.status.working
        else { return nil }
        let current = kind == .data ? pool.length.rawValue * 512 : w.totalMetadata.rawValue * MetadataBlocks.size
        let device = sectors * 512
        return BackingRoom(
            available: device > current ? device - current : 0,
            granularity: kind == .data ? (pool.table.blockSize.bytes?.rawValue ?? 65536) : MetadataBlocks.size,
            description: "device \(dev) (\(device) bytes)")
    }

    public func extend(_ kind: SpaceKind, pool: ThinPool, to bytes: UInt64) throws(ExtendError) -> String {
        try reloadAndResume(dm, pool: pool, lengthSectors: kind == .data ? bytes / 512 : pool.length.rawValue)
        return "reloaded \(pool.name) onto its grown \(kind.rawValue) device"
    }
}
