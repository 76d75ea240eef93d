#if canImport(Glibc)
    import Glibc
#endif

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
