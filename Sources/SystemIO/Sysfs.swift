import ThinPool

/// What sysfs says about block devices by number (/sys/dev/block/MAJ:MIN).
public struct Sysfs: Sendable {
    public var root: String
    public var devRoot: String

    public init(root: String = "/sys", devRoot: String = "/dev") {
        self.root = root
        self.devRoot = devRoot
    }

    /// The device's size in 512-byte sectors.
    public func sectors(_ n: DeviceNumber) -> UInt64? {
        attribute(n, "size").flatMap { UInt64($0) }
    }

    /// The device node: /dev/<DEVNAME from uevent> ("/dev/loop0").
    public func node(_ n: DeviceNumber) -> String? {
        guard let uevent = attribute(n, "uevent") else { return nil }
        for line in uevent.split(separator: "\n") where line.hasPrefix("DEVNAME=") {
            return "\(devRoot)/\(line.dropFirst(8))"
        }
        return nil
    }

    /// The file behind a loop device (its path as the kernel keeps it, " (deleted)" dropped);
    /// nil when it is not a loop device.
    public func loopBackingFile(_ n: DeviceNumber) -> String? {
        guard var p = attribute(n, "loop/backing_file"), !p.isEmpty else { return nil }
        if p.hasSuffix(" (deleted)") { p.removeLast(10) }
        return p
    }

    /// One attribute file's text, trailing newlines removed.
    private func attribute(_ n: DeviceNumber, _ name: String) -> String? {
        guard let bytes = try? readFile("\(root)/dev/block/\(n)/\(name)", limit: 4096) else { return nil }
        var s = String(decoding: bytes, as: UTF8.self)
        while s.last == "\n" { s.removeLast() }
        return s
    }
}
