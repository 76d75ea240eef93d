import ThinPoolCore

/// One concern's pool families: its descriptors, and what one pool's reading adds to them. A
/// group is made afresh for every scrape, so it may keep what it has seen of the pools before
/// (a volume group shared by two pools is written once). The groups are
/// ``PoolMetrics/groups``, in the order their families are written.
public protocol PoolMetricGroup {
    /// The group's families, in the order they are written.
    static var descriptors: [MetricDescriptor] { get }
    init(maxThinSeries: Int?)
    /// Adds what `reading` says (its pool is `pool`: nil when it could not be read).
    mutating func add(_ reading: PoolReading, _ pool: ThinPool?, to families: inout PoolFamilies)
}
