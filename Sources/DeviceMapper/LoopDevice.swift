import CDeviceMapperShims
#if canImport(Glibc)
import Glibc
#endif

/// What sysfs says about block devices by number, and the loop device ioctl autoextend needs.
public struct BlockDevices: Sendable {
    public var sysfsRoot: String
    public var devRoot: String

    public init(sysfsRoot: String = "/sys", devRoot: String = "/dev") {
        self.sysfsRoot = sysfsRoot
        self.devRoot = devRoot
    }

    /// The device's size in 512-byte sectors (/sys/dev/block/M:m/size).
    public func sectors(_ n: DeviceNumber) -> UInt64? {
        read("\(sysfsRoot)/dev/block/\(n)/size").flatMap { UInt64($0) }
    }

    /// The loop device's backing file, nil when it is not a loop device.
    public func loopBackingFile(_ n: DeviceNumber) -> String? {
        guard var p = read("\(sysfsRoot)/dev/block/\(n)/loop/backing_file"), !p.isEmpty else { return nil }
        if p.hasSuffix(" (deleted)") { p.removeLast(10) }
        return p
    }

    /// The device node: /dev/<DEVNAME from uevent>.
    public func node(_ n: DeviceNumber) -> String? {
        guard let uevent = read("\(sysfsRoot)/dev/block/\(n)/uevent") else { return nil }
        for line in uevent.split(separator: "\n") where line.hasPrefix("DEVNAME=") {
            return "\(devRoot)/\(line.dropFirst(8))"
        }
        return nil
    }

    /// LOOP_SET_CAPACITY: the loop device takes its file's new size.
    public func refreshLoopCapacity(_ n: DeviceNumber) throws {
        guard let node = node(n) else { throw DeviceMapperError(.noSuchDevice, .resume, device: n.description, detail: "no device node for \(n)") }
        let r = cdm_loop_set_capacity(node)
        guard r == 0 else {
            throw DeviceMapperError(DeviceMapperError.code(forErrno: -r), .resume, device: node, errno: -r, detail: "LOOP_SET_CAPACITY failed")
        }
    }

    private func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return nil }
        var s = String(decoding: buf[0..<n], as: UTF8.self)
        while s.last == "\n" { s.removeLast() }
        return s
    }
}
