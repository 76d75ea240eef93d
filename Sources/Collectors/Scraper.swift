import ThinPoolCore

/// Runs every collector and adds the exporter's own series: per-collector success and
/// duration, and build info.
public struct Scraper: Sendable {
    public var collectors: [any MetricsCollector]
    public var build: Build

    /// What `thinpool_exporter_build_info` says, as prometheus/common's build_info does.
    public struct Build: Sendable, Equatable {
        public var version: String
        public var revision: String
        public var branch: String
        public var buildDate: String
        public var swiftVersion: String

        public init(
            version: String, revision: String = "unknown", branch: String = "unknown", buildDate: String = "unknown",
            swiftVersion: String = "unknown"
        ) {
            self.version = version
            self.revision = revision
            self.branch = branch
            self.buildDate = buildDate
            self.swiftVersion = swiftVersion
        }
    }

    public init(collectors: [any MetricsCollector], build: Build) {
        self.collectors = collectors
        self.build = build
    }

    static let success = MetricDescriptor(
        "thinpool_scrape_collector_success", .gauge,
        help: "1 if the collector succeeded at this scrape, 0 if it failed.", labels: ["collector"])
    static let duration = MetricDescriptor(
        "thinpool_scrape_collector_duration_seconds", .gauge,
        help: "How long the collector took at this scrape.", labels: ["collector"])
    static let build = MetricDescriptor(
        "thinpool_exporter_build_info", .info,
        help:
            "The running thinpool-exporter: its version, the git revision and branch it was built from, its build date and Swift version.",
        labels: ["version", "revision", "branch", "build_date", "swiftversion"])

    /// The exporter's own families, after the collectors'.
    public static let descriptors = [success, duration, build]

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
        build.add(values: [self.build.version, self.build.revision, self.build.branch, self.build.buildDate, self.build.swiftVersion], 1)
        return families + [success, duration, build]
    }
}
