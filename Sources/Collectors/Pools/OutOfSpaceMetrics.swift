import ThinPoolCore

/// The out-of-space countdown (the agent only): since when a pool queues writes without data
/// space, when the kernel fails them, and who is blocked writing.
struct OutOfSpaceMetrics: PoolMetricGroup {
    static let outOfSpaceSince = MetricDescriptor(
        "thinpool_out_of_data_space_since_timestamp_seconds", .gauge,
        help:
            "When the pool was first seen out of data space with writes queued (queue_if_no_space), unix time; absent otherwise.",
        labels: ["pool"])
    static let noSpaceDeadline = MetricDescriptor(
        "thinpool_queued_writes_fail_timestamp_seconds", .gauge,
        help:
            "The earliest moment the kernel fails the writes queued on a pool out of data space (no_space_timeout after it ran out; its timer fires up to one timer-wheel granule later, 2 s for 20 s at HZ 250), unix time; absent when not out of space, or no_space_timeout is 0.",
        labels: ["pool"])
    static let blockedWriters = MetricDescriptor(
        "thinpool_thin_blocked_writers", .gauge,
        help:
            "Processes blocked in I/O holding a thin volume (or a file on it) open while its pool is out of data space and queues writes; only volumes being written to.",
        labels: ["pool", "device"])

    static let descriptors = [outOfSpaceSince, noSpaceDeadline, blockedWriters]

    init(maxThinSeries: Int?) {}

    mutating func add(_ r: PoolReading, _ s: ThinPool?, to f: inout PoolFamilies) {
        guard let o = s?.outOfSpace else { return }
        let p = r.name
        f.add(Self.outOfSpaceSince, [p], .double(o.since))
        if let d = o.deadline { f.add(Self.noSpaceDeadline, [p], .double(d)) }
        for w in o.writers { f.add(Self.blockedWriters, [p, w.device], .integer(UInt64(w.processes.count))) }
    }
}
