import AgentConfig
import DeviceMapper
import Foundation
import ThinPool
import Workloads

/// Grows one kind of space of one pool, one way. The caller plans, then verifies by re-reading.
public protocol PoolExecutor: Sendable {
    var name: String { get }
    /// The room this executor has for `kind` of `pool`, or nil when it cannot grow it.
    func room(_ kind: SpaceKind, pool: PoolSnapshot) throws -> BackingRoom?
    /// Grows to `bytes`; returns what it did, in words.
    func extend(_ kind: SpaceKind, pool: PoolSnapshot, to bytes: UInt64) throws -> String
}

public struct ExtendError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

/// Reloads a pool's table with a new length (or the same one, for metadata) and makes it live,
/// through libdevmapper: load the inactive table, then one DM_DEV_SUSPEND without the suspend
/// flag -- the kernel suspends, swaps the table and resumes in that one ioctl. No explicit
/// suspend: were this process killed between a suspend and its resume, the pool would stay
/// SUSPENDED and stall every container on it. Killed before the resume, the pool runs on with
/// its old table (the loaded inactive one is harmless; the next attempt replaces it).
func reloadAndResume(_ dm: any DeviceMapper, pool: PoolSnapshot, lengthSectors: UInt64) throws {
    try dm.reload(pool.name, targets: [Target(start: 0, length: lengthSectors, type: "thin-pool", params: pool.table.description)])
    var lastError: (any Error)?
    for _ in 0..<3 {
        do {
            try dm.resume(pool.name)
            return
        } catch {
            lastError = error
            usleep(100_000)
        }
    }
    // The kernel leaves a device suspended when the swapped-in table fails its preresume (a
    // pool whose data device is smaller than the new length): put the old table back.
    var restored = false
    if (try? dm.info(pool.name))?.suspended == true {
        let old = [Target(start: 0, length: pool.length.rawValue, type: "thin-pool", params: pool.table.description)]
        restored = (try? dm.reload(pool.name, targets: old)) != nil && (try? dm.resume(pool.name)) != nil
    }
    let state = (try? dm.info(pool.name))?.suspended == true
        ? "it is SUSPENDED: `dmsetup resume \(pool.name)`, or reload its old table" : (restored ? "its old table was put back" : "it runs on with its old size")
    throw ExtendError("the reloaded table of pool \(pool.name) could not be made live (\(state)): \(lastError.map { "\($0)" } ?? "")")
}

/// Loop files (docker loop-lvm and the like): grow the sparse backing file, LOOP_SET_CAPACITY,
/// reload the pool with the new length (data) or resume it (metadata: the kernel grows the
/// metadata space when it finds the device larger at resume).
public struct LoopExecutor: PoolExecutor {
    public let name = "loop"
    let dm: any DeviceMapper
    let devices: BlockDevices

    public init(dm: any DeviceMapper, devices: BlockDevices = BlockDevices()) {
        self.dm = dm
        self.devices = devices
    }

    func device(_ kind: SpaceKind, _ pool: PoolSnapshot) -> DeviceNumber? {
        (kind == .data ? pool.table.dataDevice : pool.table.metadataDevice).number
    }

    public func room(_ kind: SpaceKind, pool: PoolSnapshot) throws -> BackingRoom? {
        guard let dev = device(kind, pool), let file = devices.loopBackingFile(dev) else { return nil }
        var fs = statvfs()
        guard statvfs(file, &fs) == 0 else { throw ExtendError("statfs \(file): \(String(cString: strerror(errno)))") }
        // docker counts f_bfree (root may use the reserve); so do we.
        let free = UInt64(fs.f_bfree) * UInt64(fs.f_bsize)
        let granularity = kind == .data ? (pool.table.blockSize.bytes?.rawValue ?? 65536) : UInt64(1 << 20)
        return BackingRoom(available: free, granularity: granularity, description: "the filesystem holding \(file)")
    }

    public func extend(_ kind: SpaceKind, pool: PoolSnapshot, to bytes: UInt64) throws -> String {
        guard let dev = device(kind, pool), let file = devices.loopBackingFile(dev) else {
            throw ExtendError("the \(kind.rawValue) device of \(pool.name) is not a loop device")
        }
        var st = stat()
        guard stat(file, &st) == 0 else { throw ExtendError("stat \(file): \(String(cString: strerror(errno)))") }
        let before = UInt64(st.st_size)
        if before < bytes {
            // Sparse: the file's blocks are allocated as the pool writes, not now.
            guard truncate(file, off_t(bytes)) == 0 else {
                throw ExtendError("cannot grow \(file) to \(bytes) bytes: \(String(cString: strerror(errno)))")
            }
        }
        try devices.refreshLoopCapacity(dev)
        guard let sectors = devices.sectors(dev), sectors * 512 >= bytes else {
            throw ExtendError("loop device \(dev) did not grow to \(bytes) bytes after LOOP_SET_CAPACITY")
        }
        try reloadAndResume(dm, pool: pool, lengthSectors: kind == .data ? bytes / 512 : pool.length.rawValue)
        return "grew \(file) from \(before) to \(max(before, bytes)) bytes (sparse), refreshed the loop device, reloaded \(pool.name)"
    }
}

/// The device under the pool already grew (a resized disk or cloud volume): reload the pool to
/// use it.
public struct DMReloadExecutor: PoolExecutor {
    public let name = "dm-reload"
    let dm: any DeviceMapper
    let devices: BlockDevices

    public init(dm: any DeviceMapper, devices: BlockDevices = BlockDevices()) {
        self.dm = dm
        self.devices = devices
    }

    public func room(_ kind: SpaceKind, pool: PoolSnapshot) throws -> BackingRoom? {
        guard let dev = (kind == .data ? pool.table.dataDevice : pool.table.metadataDevice).number,
              let sectors = devices.sectors(dev), let w = pool.status.working else { return nil }
        let current = kind == .data ? pool.length.rawValue * 512 : w.totalMetadata.rawValue * MetadataBlocks.size
        let device = sectors * 512
        return BackingRoom(available: device > current ? device - current : 0,
                           granularity: kind == .data ? (pool.table.blockSize.bytes?.rawValue ?? 65536) : MetadataBlocks.size,
                           description: "device \(dev) (\(device) bytes)")
    }

    public func extend(_ kind: SpaceKind, pool: PoolSnapshot, to bytes: UInt64) throws -> String {
        try reloadAndResume(dm, pool: pool, lengthSectors: kind == .data ? bytes / 512 : pool.length.rawValue)
        return "reloaded \(pool.name) onto its grown \(kind.rawValue) device"
    }
}

/// An LVM thin pool (uuid LVM-..., e.g. docker direct-lvm's docker-thinpool-tpool): lvextend
/// the pool LV, or its metadata with --poolmetadatasize, after checking the VG's free space.
public struct LVMExecutor: PoolExecutor {
    public let name = "lvm"
    let lvm: LVMCommand

    public init(lvm: LVMCommand = LVMCommand()) {
        self.lvm = lvm
    }

    /// VG and LV from a dm name: "docker-thinpool-tpool" -> ("docker", "thinpool").
    public static func names(dmName: String) -> (vg: String, lv: String)? {
        guard let n = LVMName(dmName: dmName), n.layer == nil || n.layer == "tpool" else { return nil }
        return (n.vg, n.lv)
    }

    public func room(_ kind: SpaceKind, pool: PoolSnapshot) throws -> BackingRoom? {
        guard pool.uuid?.hasPrefix("LVM-") == true, let (vg, _) = Self.names(dmName: pool.name) else { return nil }
        let out = try run(VolumeGroupSpace.vgsArguments + [vg])
        let parsed = VolumeGroupSpace.parse(out)
        guard let g = parsed.groups.first(where: { $0.name == vg }) else {
            throw ExtendError("cannot read the free space of volume group \(vg) from `lvm vgs`: \(parsed.problems.first ?? out)")
        }
        return BackingRoom(available: g.free, granularity: g.extentSize, description: "volume group \(vg)")
    }

    public func extend(_ kind: SpaceKind, pool: PoolSnapshot, to bytes: UInt64) throws -> String {
        guard let (vg, lv) = Self.names(dmName: pool.name) else { throw ExtendError("\(pool.name) is not an LVM thin pool name") }
        let args = kind == .data ? ["lvextend", "-L", "\(bytes)b", "\(vg)/\(lv)"]
            : ["lvextend", "--poolmetadatasize", "\(bytes)b", "\(vg)/\(lv)"]
        _ = try run(args)
        return "lvm \(args.joined(separator: " "))"
    }

    func run(_ args: [String]) throws -> String {
        do { return try lvm.run(args) } catch { throw ExtendError(error.description) }
    }
}

/// The executor for a pool: as configured, or from what backs it.
public func chooseExecutor(_ preferred: AutoextendPolicy.Executor, kind: SpaceKind, pool: PoolSnapshot, dm: any DeviceMapper,
                           devices: BlockDevices = BlockDevices()) -> (any PoolExecutor)? {
    switch preferred {
    case .lvm: return LVMExecutor()
    case .loop: return LoopExecutor(dm: dm, devices: devices)
    case .dmReload: return DMReloadExecutor(dm: dm, devices: devices)
    case .auto:
        if pool.uuid?.hasPrefix("LVM-") == true { return LVMExecutor() }
        let dev = (kind == .data ? pool.table.dataDevice : pool.table.metadataDevice).number
        if let dev, devices.loopBackingFile(dev) != nil { return LoopExecutor(dm: dm, devices: devices) }
        if dev != nil { return DMReloadExecutor(dm: dm, devices: devices) }
        return nil
    }
}
