#if canImport(Glibc)
    import Glibc
#endif

/// Sizes as `docker info` prints them: decimal units, four significant digits (go-units'
/// HumanSize: `%.4g%s` of the size divided by 1000 while it is >= 1000). docker 17.04 and
/// later print "214.7GB"; earlier releases (go-units before v0.3.2: `%.4g %s`) "214.7 GB"
/// (``DockerDialect``).
public enum DockerUnits {
    static let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"]

    /// "214.7GB" for 214748364800 bytes; "214.7 GB" `spaced`.
    public static func humanSize(_ bytes: UInt64, spaced: Bool) -> String {
        var size = Double(bytes)
        var i = 0
        while size >= 1000, i < units.count - 1 {
            size /= 1000
            i += 1
        }
        return spaced ? "\(formatG4(size)) \(units[i])" : "\(formatG4(size))\(units[i])"
    }

    /// "214.7GB" for 214748364800 bytes.
    public static func humanSize(_ bytes: UInt64) -> String { humanSize(bytes, spaced: false) }

    public static func humanSize(_ bytes: Bytes) -> String { humanSize(bytes.rawValue) }

    /// C's `%.4g`, which rounds like Go's for the values docker prints.
    static func formatG4(_ value: Double) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        _ = withVaList([value]) { vsnprintf(&buffer, buffer.count, "%.4g", $0) }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// go-units RAMInBytes: a number with an optional binary unit (k, m, g, t, p, with or without
    /// a trailing b/ib, case-insensitive): "10G" = 10 GiB.
    public static func parseRAMInBytes(_ text: String) -> UInt64? {
        var t = Substring(text.lowercased())
        for suffix in ["ib", "b"] where t.hasSuffix(suffix) && t.count > suffix.count {
            t = t.dropLast(suffix.count)
            break
        }
        var factor: UInt64 = 1
        if let last = t.last, let i = "kmgtp".firstIndex(of: last) {
            factor = 1 << (10 * UInt64("kmgtp".distance(from: "kmgtp".startIndex, to: i) + 1))
            t = t.dropLast()
        }
        guard let n = Double(t), n >= 0, n * Double(factor) < 1.8e19 else { return nil }
        return UInt64(n * Double(factor))
    }
}
