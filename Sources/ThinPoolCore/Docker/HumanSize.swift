#if canImport(Glibc)
    import Glibc
#endif

/// Sizes as `docker info` prints them: decimal units, four significant digits, no space
/// (go-units 0.4 HumanSize, what docker 20.10 links: `%.4g%s` of the size divided by 1000
/// while it is >= 1000). Older docker documentation shows "214.7 GB" with a space; the docker
/// users run prints "214.7GB".
public enum DockerUnits {
    static let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"]

    /// "214.7GB" for 214748364800 bytes.
    public static func humanSize(_ bytes: UInt64) -> String {
        var size = Double(bytes)
        var i = 0
        while size >= 1000, i < units.count - 1 {
            size /= 1000
            i += 1
        }
        return "\(formatG4(size))\(units[i])"
    }

    public static func humanSize(_ bytes: Bytes) -> String { humanSize(bytes.rawValue) }

    /// C's `%.4g`, which rounds like Go's for the values docker prints.
    static func formatG4(_ value: Double) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        _ = withVaList([value]) { vsnprintf(&buffer, buffer.count, "%.4g", $0) }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}

/// A time span as the alert texts and the landing page say it: "45s", "12m", "3h20m", "4d".
public enum DurationText {
    public static func short(_ seconds: Double) -> String {
        let s = Int(max(0, seconds).rounded())
        if s < 120 { return "\(s)s" }
        if s < 7200 { return "\(s / 60)m" }
        if s < 172_800 { return "\(s / 3600)h\(s % 3600 / 60 > 0 ? "\(s % 3600 / 60)m" : "")" }
        return "\(s / 86400)d"
    }
}
