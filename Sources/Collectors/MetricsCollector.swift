import ThinPoolCore

/// One concern's metrics, collected fresh at every scrape. The collectors the exporter runs are
/// registered in one list, ``CollectorRegistry``.
public protocol MetricsCollector: Sendable {
    /// The `collector` label of thinpool_scrape_collector_success/duration.
    var name: String { get }
    /// Every family the collector can write, in the order it writes them (the metrics reference,
    /// docs/metrics.md, is made from these).
    static var descriptors: [MetricDescriptor] { get }
    /// The families, and whether the collection succeeded. A failed collection still returns
    /// what it could (e.g. `thinpool_up 0`), never throws.
    func collect() -> (families: [MetricFamily], success: Bool)
}
