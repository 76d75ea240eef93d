import ThinPoolCore

/// One concern's metrics, collected fresh at every scrape.
public protocol MetricsCollector: Sendable {
    /// The `collector` label of thinpool_scrape_collector_success/duration.
    var name: String { get }
    /// The families, and whether the collection succeeded. A failed collection still returns
    /// what it could (e.g. `thinpool_up 0`), never throws.
    func collect() -> (families: [MetricFamily], success: Bool)
}
