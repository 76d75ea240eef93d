import ThinPoolCore

/// Devices of a pool that hold I/O or wait for someone: suspended, an inactive table, a deferred
/// removal, failed; and since when the agent has seen them so.
struct StuckMetrics: PoolMetricGroup {
    static let stuck = MetricDescriptor(
        "thinpool_device_stuck", .gauge,
        help:
            "1 for a device of the pool (the pool or a thin volume) suspended, with an inactive table loaded, a deferred removal pending, or failed (state); absent otherwise.",
        labels: ["pool", "device", "state"])
    static let stuckSince = MetricDescriptor(
        "thinpool_device_stuck_since_timestamp_seconds", .gauge,
        help: "When the agent first saw the device in that state, unix time.", labels: ["pool", "device", "state"])

    static let descriptors = [stuck, stuckSince]

    init(maxThinSeries: Int?) {}

    mutating func add(_ r: PoolReading, _ s: ThinPool?, to f: inout PoolFamilies) {
        guard let s else { return }
        for d in s.stuck {
            f.add(Self.stuck, [r.name, d.device, d.state.rawValue], .integer(1))
            if let since = d.since { f.add(Self.stuckSince, [r.name, d.device, d.state.rawValue], .double(since)) }
        }
    }
}
