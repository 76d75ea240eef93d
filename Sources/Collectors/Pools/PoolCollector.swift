import ThinPoolCore

/// The pools as metrics (namespace thinpool_, base units, labels `pool` and `device`), read
/// fresh through the same reader as `status` at every scrape: a pool that vanished has no series;
/// a pool that cannot be read has `thinpool_pool_up 0` and does not fail the scrape.
public struct PoolCollector: MetricsCollector {
    public let name = "pools"
    let read: @Sendable () throws -> HostReading
    let maxThinSeries: Int?

    /// `maxThinSeries`: per pool, how many thin volumes get their own series (the largest by
    /// mapped bytes); the rest are summed into device="__other__". nil: no limit.
    public init(maxThinSeries: Int? = PoolMetrics.defaultMaxThinSeries, read: @escaping @Sendable () throws -> HostReading) {
        self.read = read
        self.maxThinSeries = maxThinSeries
    }

    static let up = MetricDescriptor("thinpool_up", .gauge, help: "1 if device-mapper could be read (DM_DEVICE_LIST succeeded), 0 if not.")

    public static let descriptors = [up] + PoolMetrics.descriptors

    public func collect() -> (families: [MetricFamily], success: Bool) {
        var up = Self.up.family()
        do {
            let reading = try read()
            up.add(values: [], 1)
            return ([up] + PoolMetrics.families(reading, maxThinSeries: maxThinSeries), true)
        } catch {
            up.add(values: [], 0)
            return ([up], false)
        }
    }
}

/// The pool families: `thinpool_devices`, then each ``PoolMetricGroup``'s, built from a host
/// reading. Pure: a reading in, families out.
public enum PoolMetrics {
    public static let defaultMaxThinSeries = 500
    /// The device label of the series that sums the thin volumes past the cap.
    public static let otherDevice = "__other__"

    static let devices = MetricDescriptor("thinpool_devices", .gauge, help: "Device-mapper devices listed (DM_DEVICE_LIST).")

    /// Every concern's families, in the order they are written.
    static let groups: [any PoolMetricGroup.Type] = [
        PoolStateMetrics.self, PoolCapacityMetrics.self, ThinVolumeMetrics.self, OwnerMetrics.self, WorkloadMetrics.self,
        OvercommitMetrics.self, OutOfSpaceMetrics.self, StuckMetrics.self, SpaceFindingsMetrics.self,
    ]

    public static let descriptors = [devices] + groups.flatMap { $0.descriptors }

    public static func families(_ reading: HostReading, maxThinSeries: Int? = defaultMaxThinSeries) -> [MetricFamily] {
        var f = PoolFamilies(descriptors)
        f.add(devices, [], .integer(UInt64(reading.deviceCount)))
        var writers = groups.map { $0.init(maxThinSeries: maxThinSeries) }
        for r in reading.pools {
            let pool = r.pool
            for i in writers.indices { writers[i].add(r, pool, to: &f) }
        }
        return f.all
    }
}
