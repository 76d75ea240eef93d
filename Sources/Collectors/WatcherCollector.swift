import Reader
import ThinPoolCore

/// The watcher's numbers (``WatcherStats``): its event source, events and readings.
public struct WatcherCollector: MetricsCollector {
    public let name = "watcher"
    let stats: @Sendable () -> WatcherStats

    public init(stats: @escaping @Sendable () -> WatcherStats) { self.stats = stats }

    static let source = MetricDescriptor(
        "thinpool_event_source", .gauge,
        help:
            "How the agent learns that a pool changed: arm-poll (DM_DEV_ARM_POLL), wait-event (DM_DEV_WAIT per pool) or poll; 1 for the one in use.",
        labels: ["source"])
    static let events = MetricDescriptor("thinpool_watch_dm_events_total", .counter, help: "dm events the watcher woke up for.")
    static let reads = MetricDescriptor(
        "thinpool_watch_reads_total", .counter,
        help:
            "Readings made for the alerting: kind=event (one pool, its event number moved), kind=poll (every pool, at the poll interval).",
        labels: ["kind"])
    static let errors = MetricDescriptor("thinpool_watch_read_errors_total", .counter, help: "Readings for the alerting that failed.")

    public static let descriptors = [source, events, reads, errors]

    public func collect() -> (families: [MetricFamily], success: Bool) {
        let s = stats()
        var source = Self.source.family()
        for e in [EventSource.armPoll, .waitEvent, .poll] { source.add(values: [e.rawValue], SampleValue(s.source == e)) }
        var events = Self.events.family()
        events.add(values: [], .integer(s.events))
        var reads = Self.reads.family()
        reads.add(values: ["event"], .integer(s.eventReads))
        reads.add(values: ["poll"], .integer(s.fullReads))
        var errors = Self.errors.family()
        errors.add(values: [], .integer(s.readErrors))
        return ([source, events, reads, errors], true)
    }
}
