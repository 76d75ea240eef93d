import ThinPoolCore

/// Runs every collector and adds the exporter's own series: per-collector success and
/// duration, and build info.
public struct Scraper: Sendable {
    public var collectors: [any MetricsCollector]
    public var version: String

    public init(collectors: [any MetricsCollector], version: String) {
        self.collectors = collectors
        self.version = version
    }

    static let success = MetricDescriptor(
        "thinpool_scrape_collector_success", .gauge,
        help: "1 if the collector succeeded at this scrape, 0 if it failed.", labels: ["collector"])
    static let duration = MetricDescriptor(
        "thinpool_scrape_collector_duration_seconds", .gauge,
        help: "How long the collector took at this scrape.", labels: ["collector"])
    static let build = MetricDescriptor(
        "thinpool_exporter_build", .info, help: "The running thinpool-exporter's version.", labels: ["version"])

    public func scrape() -> [MetricFamily] {
        var families: [MetricFamily] = []
        var success = Self.success.family()
        var duration = Self.duration.family()
        let clock = ContinuousClock()
        for c in collectors {
            let start = clock.now
            let (f, ok) = c.collect()
            let elapsed = clock.now - start
            families += f
            success.add(values: [c.name], SampleValue(ok))
            duration.add(values: [c.name], .double(elapsed.seconds))
        }
        var build = Self.build.family()
        build.add(values: [version], 1)
        return families + [success, duration, build]
    }
}
