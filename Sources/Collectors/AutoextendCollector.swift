import Autoextend
import ThinPoolCore

/// Autoextend's decisions (``AutoextendStats``).
public struct AutoextendCollector: MetricsCollector {
    public let name = "autoextend"
    let stats: @Sendable () -> AutoextendStats

    public init(stats: @escaping @Sendable () -> AutoextendStats) { self.stats = stats }

    static let total = MetricDescriptor(
        "thinpool_autoextend_total", .counter,
        help:
            "Autoextend decisions by pool, kind (data, metadata) and result: extended, refused (not allowed: needs_check, maximum size, headroom, unknown backing), failed, dry_run, left_to_lvm (LVM's dmeventd grows the pool itself; counted once each time it starts to).",
        labels: ["pool", "kind", "result"])

    public static let descriptors = [total]

    public func collect() -> (families: [MetricFamily], success: Bool) {
        var total = Self.total.family()
        for d in stats().decisions { total.add(values: [d.pool, d.kind, d.result], .integer(d.count)) }
        return ([total], true)
    }
}
