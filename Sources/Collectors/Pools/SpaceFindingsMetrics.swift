import ThinPoolCore

/// The space scan's findings for the pool as a whole: what trims would free, when it ran, and
/// what the data device's loop file takes on its filesystem.
struct SpaceFindingsMetrics: PoolMetricGroup {
    static let poolReclaimable = MetricDescriptor(
        "thinpool_reclaimable_bytes", .gauge,
        help: "What trims of the pool's mounted thin volumes would free in it, at the last space scan.", labels: ["pool"])
    static let loopAllocated = MetricDescriptor(
        "thinpool_data_file_allocated_bytes", .gauge,
        help:
            "Bytes the data device's loop file takes on its filesystem (st_blocks): above the pool's used bytes by what the pool freed but the host did not get back.",
        labels: ["pool"])
    static let scanned = MetricDescriptor(
        "thinpool_space_scan_timestamp_seconds", .gauge, help: "When the pool's last space scan ran, unix time.", labels: ["pool"])

    static let descriptors = [poolReclaimable, loopAllocated, scanned]

    init(maxThinSeries: Int?) {}

    mutating func add(_ r: PoolReading, _ s: ThinPool?, to f: inout PoolFamilies) {
        guard let sp = s?.space else { return }
        f.add(Self.poolReclaimable, [r.name], .integer(sp.reclaimableBytes))
        f.add(Self.scanned, [r.name], .double(sp.scannedAt))
        if let b = sp.dataFileAllocatedBytes { f.add(Self.loopAllocated, [r.name], .integer(b)) }
    }
}
