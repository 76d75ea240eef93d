import Alerting
import Autoextend
import Reader
import SpaceScan
import ThinPoolCore

/// Every collector the exporter runs, in one list and in the order their families are written:
/// the place to register a new one (as node_exporter's registerCollector). The exporter's own
/// families (``Scraper/descriptors``) come last.
public enum CollectorRegistry {
    /// The collector types, in order.
    public static let types: [any MetricsCollector.Type] = [
        PoolCollector.self, ReaderCollector.self, AlertingCollector.self, WatcherCollector.self, AutoextendCollector.self,
        SpaceScanCollector.self,
    ]

    /// Every family /metrics can serve, in order: the metrics reference.
    public static var descriptors: [MetricDescriptor] { types.flatMap { $0.descriptors } + Scraper.descriptors }

    /// The serving agent's collectors, each reading its service's numbers at every scrape.
    public static func collectors(
        reader: PoolReader, maxThinSeries: Int?, alerting: AlertingService, watcher: PoolWatcher, autoextender: Autoextender,
        scanner: SpaceScanner
    ) -> [any MetricsCollector] {
        [
            PoolCollector(maxThinSeries: maxThinSeries, read: { try reader.read() }),
            ReaderCollector { reader.stats },
            AlertingCollector { alerting.stats },
            WatcherCollector { watcher.stats },
            AutoextendCollector { autoextender.stats },
            SpaceScanCollector { scanner.stats },
        ]
    }
}
