import Reader
import ThinPoolCore

/// The reader's own numbers (``ReaderStats``): full reads of device-mapper, and the callers
/// (scrapes, `/api/v1/pools`, the watcher) that shared one instead of making their own.
public struct ReaderCollector: MetricsCollector {
    public let name = "reader"
    let stats: @Sendable () -> ReaderStats

    public init(stats: @escaping @Sendable () -> ReaderStats) { self.stats = stats }

    static let reads = MetricDescriptor(
        "thinpool_reader_full_reads_total", .counter, help: "Full reads of device-mapper (LIST, and STATUS of every pool and thin volume).")
    static let shared = MetricDescriptor(
        "thinpool_reader_shared_reads_total", .counter,
        help:
            "Callers (scrapes, /api/v1/pools, the watcher) served by a full read another caller started after they arrived: concurrent scrapes share one reading of the kernel."
    )

    public static let descriptors = [reads, shared]

    public func collect() -> (families: [MetricFamily], success: Bool) {
        let s = stats()
        var reads = Self.reads.family()
        reads.add(values: [], .integer(s.fullReads))
        var shared = Self.shared.family()
        shared.add(values: [], .integer(s.shared))
        return ([reads, shared], true)
    }
}
