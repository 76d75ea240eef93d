/// One line of /proc/PID/mountinfo: which device is mounted where, as what.
public struct MountEntry: Hashable, Sendable {
    /// The filesystem's device (field 3, major:minor).
    public var device: DeviceNumber
    /// The directory of the filesystem that is mounted (field 4; "/" for the whole of it).
    public var root: String
    public var mountPoint: String
    public var fsType: String
    public var source: String

    public init(device: DeviceNumber, root: String, mountPoint: String, fsType: String, source: String) {
        self.device = device
        self.root = root
        self.mountPoint = mountPoint
        self.fsType = fsType
        self.source = source
    }

    /// The lines of a mountinfo file; malformed lines are skipped (the kernel writes it; a
    /// line that does not parse is not a mount we can use).
    public static func parse(_ text: String) -> [MountEntry] {
        var out: [MountEntry] = []
        for line in text.split(separator: "\n") {
            // 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
            let words = line.split(separator: " ", omittingEmptySubsequences: false)
            guard words.count >= 7, let dash = words[6...].firstIndex(of: "-"), dash + 2 < words.count else { continue }
            let mm = words[2].split(separator: ":")
            guard mm.count == 2, let major = UInt32(mm[0]), let minor = UInt32(mm[1]) else { continue }
            out.append(
                MountEntry(
                    device: DeviceNumber(major: major, minor: minor), root: unescape(words[3]), mountPoint: unescape(words[4]),
                    fsType: String(words[dash + 1]), source: unescape(words[dash + 2])))
        }
        return out
    }

    /// The kernel writes space, tab, newline and backslash in paths as \040, \011, \012, \134.
    static func unescape(_ s: Substring) -> String {
        guard s.contains("\\") else { return String(s) }
        var bytes: [UInt8] = []
        var u = Array(s.utf8)[...]
        while let b = u.first {
            if b == UInt8(ascii: "\\"), u.count >= 4 {
                let digits = u.dropFirst().prefix(3)
                if digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7") }) {
                    let v = digits.reduce(0) { $0 * 8 + Int($1 - UInt8(ascii: "0")) }
                    if v < 256 {
                        bytes.append(UInt8(v))
                        u = u.dropFirst(4)
                        continue
                    }
                }
            }
            bytes.append(b)
            u = u.dropFirst()
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Where each device's whole filesystem is mounted (its first mount with root "/").
    public static func mountPoints(_ entries: [MountEntry]) -> [DeviceNumber: MountEntry] {
        var out: [DeviceNumber: MountEntry] = [:]
        for e in entries where e.root == "/" && out[e.device] == nil { out[e.device] = e }
        return out
    }
}
