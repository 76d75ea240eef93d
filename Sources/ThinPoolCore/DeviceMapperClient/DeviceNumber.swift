/// A device's number, `major:minor`, as tables print it.
public struct DeviceNumber: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var major: UInt32
    public var minor: UInt32

    public init(major: UInt32, minor: UInt32) {
        self.major = major
        self.minor = minor
    }

    /// Parses `"253:0"`; nil for anything else.
    public init?(_ text: some StringProtocol) {
        guard let colon = text.firstIndex(of: ":"),
            let major = UInt32(text[text.startIndex..<colon]),
            let minor = UInt32(text[text.index(after: colon)...])
        else { return nil }
        self.init(major: major, minor: minor)
    }

    /// Decodes the kernel's `huge_encode_dev` form (DM_DEVICE_LIST's `dev`):
    /// minor bits 0-7 and 20-31, major bits 8-19.
    public init(kernelEncoded dev: UInt64) {
        self.init(
            major: UInt32((dev & 0xfff00) >> 8),
            minor: UInt32((dev & 0xff) | ((dev >> 12) & 0xfff00)))
    }

    /// Decodes a glibc `dev_t` (what libdevmapper hands back from DM_DEVICE_DEPS):
    /// gnu_dev_major / gnu_dev_minor.
    public init(userspaceDev dev: UInt64) {
        self.init(
            major: UInt32((dev >> 8) & 0xfff) | UInt32((dev >> 32) & ~UInt64(0xfff)),
            minor: UInt32(dev & 0xff) | UInt32((dev >> 12) & ~UInt64(0xff)))
    }

    public var description: String { "\(major):\(minor)" }

    public static func < (a: DeviceNumber, b: DeviceNumber) -> Bool {
        (a.major, a.minor) < (b.major, b.minor)
    }
}
