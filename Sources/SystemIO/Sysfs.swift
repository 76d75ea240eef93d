import ThinPoolCore

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

    /// Requests in flight on the device (its `inflight` file: reads, writes); for a thin volume
    /// of a pool out of data space, the writes queued until space comes or the timeout ends them.
    public func inflight(_ n: DeviceNumber) -> (reads: UInt64, writes: UInt64)? {
        guard let text = attribute(n, "inflight") else { return nil }
        let words = text.split(separator: " ")
        guard words.count == 2, let r = UInt64(words[0]), let w = UInt64(words[1]) else { return nil }
        return (r, w)
    }

    /// dm-thin-pool's no_space_timeout (seconds a pool out of data space queues writes before it
    /// fails them; 0: forever); nil when the module is not loaded.
    public func noSpaceTimeout() -> UInt64? {
        guard let bytes = try? readFile("\(root)/module/dm_thin_pool/parameters/no_space_timeout", limit: 64) else { return nil }
        return UInt64(String(decoding: bytes, as: UTF8.self).trimmingTrailingNewlines)
    }

    /// One attribute file's text, trailing newlines removed.
    func attribute(_ n: DeviceNumber, _ name: String) -> String? {
        guard let bytes = try? readFile("\(root)/dev/block/\(n)/\(name)", limit: 4096) else { return nil }
        var s = String(decoding: bytes, as: UTF8.self)
        while s.last == "\n" { s.removeLast() }
        return s
    }
}

extension String {
    fileprivate var trimmingTrailingNewlines: String {
        var s = self
        while s.last == "\n" { s.removeLast() }
        return s
    }
}
