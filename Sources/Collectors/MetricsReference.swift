import ThinPoolCore

/// docs/metrics.md: every family /metrics can serve, made from the descriptors themselves (a
/// test holds the page equal to this, and to what /metrics serves), so the reference cannot
/// drift from the code.
public enum MetricsReference {
    /// The page, in Markdown.
    public static func markdown() -> String {
        var out = """
            # Metrics reference

            Every metric thinpool-exporter serves on `/metrics`, as Prometheus shows it (text format
            0.0.4; OpenMetrics 1.0 names a counter's family without `_total` and an info metric's
            without `_info`). Namespace `thinpool_`, base units (bytes, seconds), ratios rather than
            percentages. Labels: `pool` is the pool's device-mapper name, `device` a thin volume's.
            Every series comes from the reading made at that scrape: a pool that vanished has none,
            and a pool that cannot be read has `thinpool_pool_up 0` without failing the scrape.
            Series marked *agent* appear only with `--config.file` (the agent watching the pools).

            This page is generated from the metric descriptors in `Sources/Collectors` (a test holds
            it equal to them: `UPDATE_GOLDEN=1 swift test --filter MetricsReferenceTests`
            rewrites it).

            """
        for type in CollectorRegistry.types {
            out += "\n## \(title(type))\n\n| metric | type | labels | what it is |\n|---|---|---|---|\n"
            for d in type.descriptors { out += row(d) }
        }
        out += "\n## The exporter itself\n\n| metric | type | labels | what it is |\n|---|---|---|---|\n"
        for d in Scraper.descriptors { out += row(d) }
        return out
    }

    static func title(_ type: any MetricsCollector.Type) -> String {
        switch String(describing: type) {
        case "PoolCollector": return "Pools and thin volumes (collector `pools`)"
        case "ReaderCollector": return "The reader (collector `reader`)"
        case "AlertingCollector": return "Alerts and notifications (collector `alerting`, agent)"
        case "WatcherCollector": return "The watcher: dm events and polls (collector `watcher`, agent)"
        case "AutoextendCollector": return "Autoextend (collector `autoextend`, agent)"
        case "SpaceScanCollector": return "The space scan (collector `space_scan`, agent)"
        case let other: return other
        }
    }

    static func row(_ d: MetricDescriptor) -> String {
        let labels = d.labels.isEmpty ? "" : d.labels.map { "`\($0)`" }.joined(separator: ", ")
        let type = d.kind == .info ? "info (gauge)" : d.kind.rawValue
        let help = d.help.replacingOccurrences(of: "|", with: "\\|")
        return "| `\(d.name)` | \(type) | \(labels) | \(help) |\n"
    }
}
