/// The scanner's counts, for the metrics.
public struct SpaceScanStats: Sendable, Equatable {
    public var scans: [String: UInt64] = [:]
    public var skipped: [String: UInt64] = [:]
    public var durations: [String: Double] = [:]
    public var leftoversReleased: UInt64 = 0
    /// FITRIMs made for autoextend, by pool.
    public var trims: [String: UInt64] = [:]
}
