import Exposition

/// One concern's metrics, collected fresh at every scrape.
public protocol MetricsCollector: Sendable {
    /// The `collector` label of thinpool_scrape_collector_success/duration.
    var name: String { get }
    /// The families, and whether the collection succeeded. A failed collection still returns
    /// what it could (e.g. `thinpool_up 0`), never throws.
    func collect() -> (families: [MetricFamily], success: Bool)
}

/// Runs every collector and adds the exporter's own series: per-collector success and
/// duration, and build info.
public struct Scraper: Sendable {
    public var collectors: [any MetricsCollector]
    public var version: String

    public init(collectors: [any MetricsCollector], version: String) {
        self.collectors = collectors
        self.version = version
    }

    public func scrape() -> [MetricFamily] {
        var families: [MetricFamily] = []
        var success = MetricFamily("thinpool_scrape_collector_success", .gauge,
                                   help: "1 if the collector succeeded at this scrape, 0 if it failed.")
        var duration = MetricFamily("thinpool_scrape_collector_duration_seconds", .gauge,
                                    help: "How long the collector took at this scrape.")
        let clock = ContinuousClock()
        for c in collectors {
            let start = clock.now
            let (f, ok) = c.collect()
            let elapsed = clock.now - start
            families += f
            success.add(["collector": c.name], SampleValue(ok))
            duration.add(["collector": c.name], .double(elapsed.seconds))
        }
        var build = MetricFamily("thinpool_exporter_build", .info, help: "The running thinpool-exporter's version.")
        build.add(["version": version], 1)
        return families + [success, duration, build]
    }
}

extension Duration {
    /// The duration in seconds as a Double.
    public var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}

/// A collector from a closure that cannot fail (state the agent keeps in memory).
public struct FamiliesCollector: MetricsCollector {
    public let name: String
    let families: @Sendable () -> [MetricFamily]

    public init(name: String, families: @escaping @Sendable () -> [MetricFamily]) {
        self.name = name
        self.families = families
    }

    public func collect() -> (families: [MetricFamily], success: Bool) { (families(), true) }
}
