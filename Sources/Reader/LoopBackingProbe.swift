import SystemIO
import ThinPoolCore

/// Finds the loop file behind a device and the free space of its filesystem, for docker's cap
/// of Available space.
public protocol LoopBackingProbe: Sendable {
    /// The regular file behind `device` when it is a loop device, else nil. Stable while the
    /// device is in use (a pool holds it open), so readers cache it with the pool's table.
    func backingFile(of device: DeviceRef) -> BackingFile?
    /// statfs f_bfree x f_bsize of the filesystem holding `path`; nil when statfs fails.
    func filesystemFree(of path: String) -> Bytes?
}

/// A loop device's backing file, the file's identity and the loop device's node.
public struct BackingFile: Hashable, Sendable {
    public var path: String
    /// The file's filesystem device and inode.
    public var file: FileID
    /// The loop device's node ("/dev/loop0"), as docker info names it; nil when unknown.
    public var device: String?

    public init(path: String, file: FileID, device: String? = nil) {
        self.path = path
        self.file = file
        self.device = device
    }
}

/// No loop files (a fixture from another host: its files are not here).
public struct NoLoopBacking: LoopBackingProbe {
    public init() {}
    public func backingFile(of device: DeviceRef) -> BackingFile? { nil }
    public func filesystemFree(of path: String) -> Bytes? { nil }
}

/// Reads the loop device's backing file from sysfs, keeps it when it is a regular file, and
/// measures its filesystem as docker's getUnderlyingAvailableSpace does (f_bfree x f_bsize).
public struct SysfsLoopBacking: LoopBackingProbe {
    public var sysfs: Sysfs

    public init(sysfs: Sysfs = Sysfs()) {
        self.sysfs = sysfs
    }

    public func backingFile(of device: DeviceRef) -> BackingFile? {
        let number: DeviceNumber
        var node: String?
        switch device {
        case .number(let n):
            number = n
        case .path(let p):
            guard let n = (try? FileStatus(p))?.deviceNumber else { return nil }
            number = n
            node = p
        }
        guard let path = sysfs.loopBackingFile(number), !path.isEmpty,
            let status = try? FileStatus(path), status.kind == .regular  // docker's isRealFile
        else { return nil }
        return BackingFile(path: path, file: status.id, device: node ?? sysfs.node(number))
    }

    public func filesystemFree(of path: String) -> Bytes? {
        (try? filesystemFreeBytes(path)).map { Bytes($0) }
    }
}
