import DeviceMapper
import ThinPool
#if canImport(Glibc)
import Glibc
#endif

/// Finds the loop file behind a device and the free space of its filesystem, for docker's cap
/// of Available space.
public protocol LoopBackingProbe: Sendable {
    /// The regular file behind `device` when it is a loop device, else nil. Stable while the
    /// device is in use (a pool holds it open), so readers cache it with the pool's table.
    func backingFile(of device: DeviceRef) -> BackingFile?
    /// statfs f_bfree x f_bsize of the filesystem holding `path`; nil when statfs fails.
    func filesystemFree(of path: String) -> Bytes?
}

/// A loop device's backing file and the device number of the filesystem holding it.
public struct BackingFile: Hashable, Sendable {
    public var path: String
    public var filesystem: UInt64
    /// The file's inode on that filesystem.
    public var inode: UInt64
    /// The loop device's node ("/dev/loop0"), as docker info names it; nil when unknown.
    public var device: String?

    public init(path: String, filesystem: UInt64, inode: UInt64 = 0, device: String? = nil) {
        self.path = path
        self.filesystem = filesystem
        self.inode = inode
        self.device = device
    }

    public var file: FileID { FileID(device: filesystem, inode: inode) }
}

/// No loop files (a fixture from another host: its files are not here).
public struct NoLoopBacking: LoopBackingProbe {
    public init() {}
    public func backingFile(of device: DeviceRef) -> BackingFile? { nil }
    public func filesystemFree(of path: String) -> Bytes? { nil }
}

/// Reads `/sys/dev/block/MAJ:MIN/loop/backing_file`, keeps it when it is a regular file, and
/// measures its filesystem as docker's getUnderlyingAvailableSpace does (f_bfree x f_bsize).
public struct SysfsLoopBacking: LoopBackingProbe {
    public var sysfsRoot: String

    public init(sysfsRoot: String = "/sys") {
        self.sysfsRoot = sysfsRoot
    }

    public func backingFile(of device: DeviceRef) -> BackingFile? {
        let number: String
        switch device {
        case .number(let n): number = n.description
        case .path(let p):
            var st = stat()
            guard stat(p, &st) == 0, (st.st_mode & S_IFMT) == S_IFBLK else { return nil }
            number = "\(major(st.st_rdev)):\(minor(st.st_rdev))"
        }
        guard var path = readSmallFile("\(sysfsRoot)/dev/block/\(number)/loop/backing_file") else { return nil }
        while path.last == "\n" { path.removeLast() }
        if path.hasSuffix(" (deleted)") { path.removeLast(10) }
        var st = stat()
        // docker's isRealFile: only a regular file's filesystem caps the space.
        guard !path.isEmpty, stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        let node: String?
        switch device {
        case .path(let p): node = p
        case .number(let n): node = BlockDevices(sysfsRoot: sysfsRoot).node(n)
        }
        return BackingFile(path: path, filesystem: UInt64(st.st_dev), inode: UInt64(st.st_ino), device: node)
    }


    /// "/dev/loop0" for /sys/dev/block/7:0 (a link to .../block/loop0): the kernel's name.
    private func deviceNode(_ sysfsLink: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink(sysfsLink, &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        let target = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        guard let name = target.split(separator: "/").last, !name.isEmpty else { return nil }
        return "/dev/\(name)"
    }

    public func filesystemFree(of path: String) -> Bytes? {
        // statvfs carries statfs's f_bsize and f_bfree unchanged (glibc); statfs(2) itself is
        // not in Swift's Glibc module.
        var fs = statvfs()
        guard statvfs(path, &fs) == 0 else { return nil }
        return Bytes.multiplying(UInt64(fs.f_bfree), UInt64(fs.f_bsize))
    }

    private func major(_ dev: dev_t) -> UInt32 { UInt32((dev >> 8) & 0xfff) | UInt32((dev >> 32) & ~0xfff) }
    private func minor(_ dev: dev_t) -> UInt32 { UInt32(dev & 0xff) | UInt32((dev >> 12) & ~0xff) }
}

/// The contents of a small file, or nil.
func readSmallFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 4096)
    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    guard n >= 0 else { return nil }
    return String(decoding: buffer[0..<n], as: UTF8.self)
}
