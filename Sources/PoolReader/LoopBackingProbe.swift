import ThinPool
#if canImport(Glibc)
import Glibc
#endif

/// Finds the loop file behind a device, for docker's cap of Available space.
public protocol LoopBackingProbe: Sendable {
    func backing(of device: DeviceRef) -> LoopBacking?
}

/// No loop files (a fixture from another host: its files are not here).
public struct NoLoopBacking: LoopBackingProbe {
    public init() {}
    public func backing(of device: DeviceRef) -> LoopBacking? { nil }
}

/// Reads `/sys/dev/block/MAJ:MIN/loop/backing_file`, then statfs of that file, as docker's
/// getUnderlyingAvailableSpace does (f_bfree x f_bsize, regular files only).
public struct SysfsLoopBacking: LoopBackingProbe {
    public var sysfsRoot: String

    public init(sysfsRoot: String = "/sys") {
        self.sysfsRoot = sysfsRoot
    }

    public func backing(of device: DeviceRef) -> LoopBacking? {
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
        guard !path.isEmpty else { return nil }
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            return LoopBacking(path: path, filesystemFree: nil)
        }
        // statvfs carries statfs's f_bsize and f_bfree unchanged (glibc); statfs(2) itself is
        // not in Swift's Glibc module.
        var fs = statvfs()
        guard statvfs(path, &fs) == 0 else { return LoopBacking(path: path, filesystemFree: nil) }
        return LoopBacking(path: path, filesystemFree: Bytes.multiplying(UInt64(fs.f_bfree), UInt64(fs.f_bsize)))
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
