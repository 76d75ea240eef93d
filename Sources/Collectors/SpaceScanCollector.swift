import SpaceScan
import ThinPoolCore

/// The space scanner's own numbers (``SpaceScanStats``).
public struct SpaceScanCollector: MetricsCollector {
    public let name = "space_scan"
    let stats: @Sendable () -> SpaceScanStats

    public init(stats: @escaping @Sendable () -> SpaceScanStats) { self.stats = stats }

    static let scans = MetricDescriptor(
        "thinpool_space_scans_total", .counter, help: "Space scans of the pool (metadata snapshot, thin_ls, free extents).",
        labels: ["pool"])
    static let skipped = MetricDescriptor(
        "thinpool_space_scans_without_snapshot_total", .counter,
        help:
            "Space scans that read no metadata snapshot (another tool held one, a tool failed): exclusive bytes unknown, reclaimable estimated.",
        labels: ["pool"])
    static let duration = MetricDescriptor(
        "thinpool_space_scan_duration_seconds", .gauge, help: "How long the pool's last space scan took.", labels: ["pool"])
    static let leftovers = MetricDescriptor(
        "thinpool_metadata_snapshots_released_at_start_total", .counter,
        help: "Metadata snapshots an earlier run of the agent left reserved (it was killed holding one), released at start.")

    public static let descriptors = [scans, skipped, duration, leftovers]

    public func collect() -> (families: [MetricFamily], success: Bool) {
        let s = stats()
        var scans = Self.scans.family()
        var skipped = Self.skipped.family()
        var duration = Self.duration.family()
        for (pool, n) in s.scans.sorted(by: { $0.key < $1.key }) {
            scans.add(values: [pool], .integer(n))
            skipped.add(values: [pool], .integer(s.skipped[pool] ?? 0))
            if let d = s.durations[pool] { duration.add(values: [pool], .double(d)) }
        }
        var leftovers = Self.leftovers.family()
        leftovers.add(values: [], .integer(s.leftoversReleased))
        return ([scans, skipped, duration, leftovers], true)
    }
}
