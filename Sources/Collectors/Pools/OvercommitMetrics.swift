import ThinPoolCore

/// What a pool promised against what it has: the virtual size of every device in it (active
/// thin volumes, docker's inactive devices, LVM's inactive thin LVs) over its data size.
struct OvercommitMetrics: PoolMetricGroup {
    static let overcommit = MetricDescriptor(
        "thinpool_overcommit_ratio", .gauge,
        help:
            "Virtual size promised (active thin volumes, docker's inactive devices, LVM's inactive thin LVs) over the pool's data size: above 1 the pool promised more than it has.",
        labels: ["pool"])
    static let inactiveVirtual = MetricDescriptor(
        "thinpool_inactive_virtual_size_bytes", .gauge,
        help:
            "Virtual size of devices in the pool with no dm device now (docker's stopped containers and image layers, LVM's inactive thin LVs).",
        labels: ["pool"])
    static let largest = MetricDescriptor(
        "thinpool_largest_thin_volume_bytes", .gauge, help: "Virtual size of the pool's largest active thin volume.", labels: ["pool"])
    static let ableToFill = MetricDescriptor(
        "thinpool_thin_volumes_able_to_fill_pool", .gauge,
        help: "Active thin volumes whose unmapped size alone is at least the pool's free data space: each could fill the pool.",
        labels: ["pool"])

    static let descriptors = [overcommit, inactiveVirtual, largest, ableToFill]

    init(maxThinSeries: Int?) {}

    mutating func add(_ r: PoolReading, _ s: ThinPool?, to f: inout PoolFamilies) {
        guard let s, let c = r.capacity else { return }
        let p = r.name
        let owner = s.owner
        // Promised but without a dm device: docker's inactive devices (stopped containers,
        // image layers) and LVM's inactive thin LVs.
        let inactive =
            (owner?.docker?.devices ?? []).filter { $0.state == .inactive }.reduce(UInt64(0)) { $0.saturatingAdding($1.virtualBytes) }
            .saturatingAdding(owner?.lvmInactiveThin?.virtualBytes ?? 0)
        guard let o = s.overcommit(freeDataBytes: c.data.freeBlocks &* c.blockSize.rawValue, inactiveVirtualBytes: inactive) else { return }
        f.add(Self.overcommit, [p], .double(o.ratio))
        f.add(Self.inactiveVirtual, [p], .integer(o.inactiveVirtualBytes))
        if !s.thinVolumes.isEmpty { f.add(Self.largest, [p], .integer(o.largestVolumeBytes)) }
        f.add(Self.ableToFill, [p], .integer(UInt64(o.volumesAbleToFill)))
    }
}
