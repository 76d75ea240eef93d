import Alerting
import ThinPoolCore

/// The alerting's numbers (``AlertingStats``): firing alerts, notifications, forecasts.
public struct AlertingCollector: MetricsCollector {
    public let name = "alerting"
    let stats: @Sendable () -> AlertingStats

    public init(stats: @escaping @Sendable () -> AlertingStats) { self.stats = stats }

    static let firing = MetricDescriptor(
        "thinpool_alerts_firing", .gauge, help: "Alerts firing now, by pool, alert name and severity.",
        labels: ["pool", "alertname", "severity"])
    static let notifications = MetricDescriptor(
        "thinpool_notifications_total", .counter,
        help:
            "Notification attempts by receiver and result: delivered, retried (an attempt failed; it will be retried), rejected (a 4xx), expired (undelivered past max_age), dropped (receiver removed).",
        labels: ["receiver", "result"])
    static let pending = MetricDescriptor(
        "thinpool_notifications_pending", .gauge, help: "Notifications waiting to be delivered, by receiver.",
        labels: ["receiver"])
    static let delivery = MetricDescriptor(
        "thinpool_notification_delivery_seconds", .histogram,
        help: "Time from an alert's change to its notification's delivery (retries included), by receiver.",
        labels: ["receiver"])
    static let dataFull = MetricDescriptor(
        "thinpool_data_full_seconds", .gauge,
        help:
            "Seconds until no data space is available at the current rate (a linear fit of used space against docker's Available, which a loop file's filesystem caps); absent when it is not filling.",
        labels: ["pool"])
    static let metaFull = MetricDescriptor(
        "thinpool_metadata_full_seconds", .gauge,
        help: "Seconds until no metadata space is available at the current rate; absent when it is not filling.",
        labels: ["pool"])
    static let metaFullByData = MetricDescriptor(
        "thinpool_metadata_full_by_data_seconds", .gauge,
        help:
            "Seconds until metadata space runs out, projected from data's growth (metadata grows with the data blocks mapped); absent when data is not growing.",
        labels: ["pool"])
    static let refusal = MetricDescriptor(
        "thinpool_docker_refusal_seconds", .gauge,
        help:
            "Seconds until docker refuses new containers and layers at the current rate (free data below its minimum free space); absent when not filling or when dm.min_free_space is 0.",
        labels: ["pool"])
    static let writable = MetricDescriptor(
        "thinpool_state_writable", .gauge,
        help: "1 if the state directory could be written at the last save, 0 if the agent is going on in memory.")

    static let results = ["delivered", "retried", "rejected", "expired", "dropped"]

    public static let descriptors = [firing, notifications, pending, delivery, dataFull, metaFull, metaFullByData, refusal, writable]

    public func collect() -> (families: [MetricFamily], success: Bool) {
        let s = stats()
        var firing = Self.firing.family()
        for a in s.firing { firing.add(values: [a.key.pool, a.key.name.rawValue, a.severity.rawValue], 1) }
        var notifications = Self.notifications.family()
        var pending = Self.pending.family()
        var delivery = Self.delivery.family()
        for r in s.receivers {
            for result in Self.results { notifications.add(values: [r.name, result], .integer(r.results[result] ?? 0)) }
            pending.add(values: [r.name], .integer(UInt64(r.pending)))
            delivery.addHistogram(
                [Label("receiver", r.name)], bounds: LatencyHistogram.bounds, cumulativeCounts: r.latency.cumulative,
                sum: r.latency.sum, count: r.latency.count)
        }
        var dataFull = Self.dataFull.family()
        var metaFull = Self.metaFull.family()
        var metaFullByData = Self.metaFullByData.family()
        var refusal = Self.refusal.family()
        for (pool, f) in s.forecasts {
            if let t = f.dataSecondsToFull { dataFull.add(values: [pool], .double(t.rounded())) }
            if let t = f.metadataSecondsToFull { metaFull.add(values: [pool], .double(t.rounded())) }
            if let t = f.metadataSecondsToFullByData { metaFullByData.add(values: [pool], .double(t.rounded())) }
            if let t = f.dockerRefusesSeconds { refusal.add(values: [pool], .double(t.rounded())) }
        }
        var writable = Self.writable.family()
        if let w = s.stateWritable { writable.add(values: [], SampleValue(w)) }
        return ([firing, notifications, pending, delivery, dataFull, metaFull, metaFullByData, refusal, writable], true)
    }
}
