import ThinPoolCore

/// Data and metadata space as docker info computes it, docker's minimum free space and whether
/// docker would refuse a new device, the low water marks.
struct PoolCapacityMetrics: PoolMetricGroup {
    static let dataUsed = MetricDescriptor(
        "thinpool_data_used_bytes", .gauge, help: "Used data space: used data blocks (thin-pool status) x data block size (table).",
        labels: ["pool"])
    static let dataSize = MetricDescriptor(
        "thinpool_data_size_bytes", .gauge, help: "Data space: total data blocks (thin-pool status) x data block size (table).",
        labels: ["pool"])
    static let dataAvail = MetricDescriptor(
        "thinpool_data_available_bytes", .gauge,
        help:
            "Data Space Available as docker info computes it: size - used, capped at the free space (statfs f_bfree x f_bsize) of the filesystem holding the data device's loop file.",
        labels: ["pool"])
    static let metaUsed = MetricDescriptor(
        "thinpool_metadata_used_bytes", .gauge, help: "Used metadata space: used metadata blocks (thin-pool status) x 4096.",
        labels: ["pool"])
    static let metaSize = MetricDescriptor(
        "thinpool_metadata_size_bytes", .gauge, help: "Metadata space: total metadata blocks (thin-pool status) x 4096.", labels: ["pool"])
    static let metaAvail = MetricDescriptor(
        "thinpool_metadata_available_bytes", .gauge,
        help:
            "Metadata Space Available as docker info computes it: size - used, capped at the free space of the filesystem holding the metadata device's loop file.",
        labels: ["pool"])
    static let minFree = MetricDescriptor(
        "thinpool_min_free_space_bytes", .gauge,
        help:
            "Docker's Thin Pool Minimum Free Space: total data blocks x dm.min_free_space / 100 x block size; for pools docker may use (not LVM's or containerd's).",
        labels: ["pool"])
    static let refuses = MetricDescriptor(
        "thinpool_docker_refuses_new_devices", .gauge,
        help:
            "1 if docker would refuse to create a container or layer now: free data (space=data) or metadata (space=metadata) blocks below max(1, total x dm.min_free_space / 100); for pools docker may use (not LVM's or containerd's).",
        labels: ["pool", "space"])
    static let atLwm = MetricDescriptor(
        "thinpool_at_low_water_mark", .gauge, help: "1 if free data blocks are at or below the table's low water mark.", labels: ["pool"])
    static let metaLwm = MetricDescriptor(
        "thinpool_metadata_low_watermark_bytes", .gauge,
        help: "Metadata low watermark (thin-pool status) in bytes: the kernel raises a dm event when free metadata space falls below it.",
        labels: ["pool"])

    static let descriptors = [dataUsed, dataSize, dataAvail, metaUsed, metaSize, metaAvail, minFree, refuses, atLwm, metaLwm]

    init(maxThinSeries: Int?) {}

    mutating func add(_ r: PoolReading, _ s: ThinPool?, to f: inout PoolFamilies) {
        guard s != nil, let c = r.capacity else { return }
        let p = r.name
        f.bytes(Self.dataUsed, [p], c.data.used)
        f.bytes(Self.dataSize, [p], c.data.total)
        f.bytes(Self.dataAvail, [p], c.data.available)
        f.bytes(Self.metaUsed, [p], c.metadata.used)
        f.bytes(Self.metaSize, [p], c.metadata.total)
        f.bytes(Self.metaAvail, [p], c.metadata.available)
        // Docker's figures only where docker may use the pool (not LVM's or containerd's).
        if r.dockerMayUse {
            f.bytes(Self.minFree, [p], c.minFreeSpace)
            f.add(Self.refuses, [p, "data"], SampleValue(c.dockerRefusesData))
            f.add(Self.refuses, [p, "metadata"], SampleValue(c.dockerRefusesMetadata))
        }
        f.add(Self.atLwm, [p], SampleValue(c.atLowWaterMark))
        f.bytes(Self.metaLwm, [p], c.metadataLowWatermark)
    }
}
