import AgentConfig
import DeviceMapper
import Foundation
import ThinPool

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

/// Reloads a pool's table with a new length (or the same one, for metadata) and resumes it,
/// through libdevmapper: load the inactive table, suspend, resume. Whatever happens after the
/// suspend, the pool is resumed -- a suspended pool stalls every container on it.
func reloadAndResume(_ dm: any DeviceMapper, pool: PoolSnapshot, lengthSectors: UInt64) throws {
    try dm.reload(pool.name, targets: [Target(start: 0, length: lengthSectors, type: "thin-pool", params: pool.table.description)])
    try dm.suspend(pool.name, noFlush: false)
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
    throw ExtendError("the pool \(pool.name) could not be resumed after the reload (it is SUSPENDED: `dmsetup resume \(pool.name)`): \(lastError.map { "\($0)" } ?? "")")
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
    let lvm: String
    let timeout: TimeInterval

    public init(lvm: String = LVMExecutor.findLVM(), timeout: TimeInterval = 120) {
        self.lvm = lvm
        self.timeout = timeout
    }

    public static func findLVM() -> String {
        for p in ["/sbin/lvm", "/usr/sbin/lvm", "/usr/local/sbin/lvm", "/extra/bin/lvm"] where FileManager.default.isExecutableFile(atPath: p) {
            return p
        }
        return "lvm"
    }

    /// VG and LV from a dm name: "docker-thinpool-tpool" -> ("docker", "thinpool"). LVM doubles
    /// dashes inside names; the layer suffix (-tpool) goes.
    public static func names(dmName: String) -> (vg: String, lv: String)? {
        var chars = Array(dmName)
        if dmName.hasSuffix("-tpool") { chars.removeLast(6) }
        var parts: [String] = [""]
        var i = 0
        while i < chars.count {
            if chars[i] == "-" {
                if i + 1 < chars.count, chars[i + 1] == "-" {
                    parts[parts.count - 1].append("-")
                    i += 2
                    continue
                }
                parts.append("")
            } else {
                parts[parts.count - 1].append(chars[i])
            }
            i += 1
        }
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return (parts[0], parts[1])
    }

    public func room(_ kind: SpaceKind, pool: PoolSnapshot) throws -> BackingRoom? {
        guard pool.uuid?.hasPrefix("LVM-") == true, let (vg, _) = Self.names(dmName: pool.name) else { return nil }
        let out = try run(["vgs", "--noheadings", "--units", "b", "--nosuffix", "-o", "vg_free,vg_extent_size", vg])
        let f = out.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
        guard f.count >= 2, let free = UInt64(f[0]), let extent = UInt64(f[1]) else {
            throw ExtendError("cannot read the free space of volume group \(vg) from `lvm vgs`: \(out)")
        }
        return BackingRoom(available: free, granularity: extent, description: "volume group \(vg)")
    }

    public func extend(_ kind: SpaceKind, pool: PoolSnapshot, to bytes: UInt64) throws -> String {
        guard let (vg, lv) = Self.names(dmName: pool.name) else { throw ExtendError("\(pool.name) is not an LVM thin pool name") }
        let args = kind == .data ? ["lvextend", "-L", "\(bytes)b", "\(vg)/\(lv)"]
            : ["lvextend", "--poolmetadatasize", "\(bytes)b", "\(vg)/\(lv)"]
        _ = try run(args)
        return "lvm \(args.joined(separator: " "))"
    }

    func run(_ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: lvm.hasPrefix("/") ? lvm : "/usr/bin/env")
        p.arguments = lvm.hasPrefix("/") ? args : [lvm] + args
        var env = ProcessInfo.processInfo.environment
        env["LVM_SUPPRESS_FD_WARNINGS"] = "1"
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch { throw ExtendError("cannot run \(lvm): \(error.localizedDescription)") }
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning, Date() < deadline { usleep(20_000) }
        if p.isRunning {
            p.terminate()
            throw ExtendError("lvm \(args.first ?? "") did not finish within \(Int(timeout)) s")
        }
        let o = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard p.terminationStatus == 0 else {
            throw ExtendError("lvm \(args.joined(separator: " ")) failed (exit \(p.terminationStatus)): \(e.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return o
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
