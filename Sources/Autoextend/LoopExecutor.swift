import DeviceMapper
import SystemIO
import ThinPoolCore

/// Loop files (docker loop-lvm and the like): grow the sparse backing file, LOOP_SET_CAPACITY,
/// reload the pool with the new length (data) or resume it (metadata: the kernel grows the
/// metadata space when it finds the device larger at resume).
public struct LoopExecutor: PoolExecutor {
    public let name = "loop"
    let dm: any DeviceMapperClient
    let sysfs: Sysfs

    public init(dm: any DeviceMapperClient, sysfs: Sysfs = Sysfs()) {
        self.dm = dm
        self.sysfs = sysfs
    }

    func device(_ kind: SpaceKind, _ pool: ThinPool) -> DeviceNumber? {
        (kind == .data ? pool.table.dataDevice : pool.table.metadataDevice).number
    }

    public func room(_ kind: SpaceKind, pool: ThinPool) throws(ExtendError) -> BackingRoom? {
        guard let dev = device(kind, pool), let file = sysfs.loopBackingFile(dev) else { return nil }
        // docker counts f_bfree (root may use the reserve); so do we.
        let free: UInt64
        do { free = try filesystemFreeBytes(file) } catch { throw .file(error) }
        let granularity = kind == .data ? (pool.table.blockSize.bytes?.rawValue ?? 65536) : UInt64(1 << 20)
        return BackingRoom(available: free, granularity: granularity, description: "the filesystem holding \(file)")
    }

    public func extend(_ kind: SpaceKind, pool: ThinPool, to bytes: UInt64) throws(ExtendError) -> String {
        guard let dev = device(kind, pool), let file = sysfs.loopBackingFile(dev), let node = sysfs.node(dev) else {
            throw .notLoopDevice(pool: pool.name, kind: kind)
        }
        let before: UInt64
        do {
            before = try FileStatus(file).size
            // Sparse: the file's blocks are allocated as the pool writes, not now.
            try growFile(file, to: bytes)
        } catch {
            throw .file(error)
        }
        do { try LoopDevice.refreshCapacity(node: node) } catch { throw .deviceMapper(error) }
        guard let sectors = sysfs.sectors(dev), sectors * 512 >= bytes else { throw .loopDidNotGrow(device: dev, bytes: bytes) }
        try reloadAndResume(dm, pool: pool, lengthSectors: kind == .data ? bytes / 512 : pool.length.rawValue)
        return "grew \(file) from \(before) to \(max(before, bytes)) bytes (sparse), refreshed the loop device, reloaded \(pool.name)"
    }
}
