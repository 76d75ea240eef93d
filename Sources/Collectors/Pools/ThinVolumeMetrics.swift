import ThinPoolCore

/// The thin volumes: how many, their virtual sizes, what each maps and what uses it, and the
/// space scan's findings per volume. Past `--thin.max-series` only the largest get series of
/// their own; the rest are summed into `device="__other__"`.
struct ThinVolumeMetrics: PoolMetricGroup {
    static let volumes = MetricDescriptor(
        "thinpool_thin_volumes", .gauge, help: "Thin volumes provisioned from the pool that are active (have a dm device).",
        labels: ["pool"])
    static let virtual = MetricDescriptor(
        "thinpool_virtual_size_bytes", .gauge,
        help: "Sum of the sizes of the pool's active thin volumes (thin table lengths): the space promised.", labels: ["pool"])
    static let thinSize = MetricDescriptor(
        "thinpool_thin_size_bytes", .gauge, help: "Virtual size of the thin volume (thin table length) in bytes.",
        labels: ["pool", "device"])
    static let mapped = MetricDescriptor(
        "thinpool_thin_mapped_bytes", .gauge, help: "Space provisioned to the thin volume: mapped sectors (thin status) x 512.",
        labels: ["pool", "device"])
    static let thinInfo = MetricDescriptor(
        "thinpool_thin_info", .info,
        help:
            "A thin volume: its device id in the pool, its device-mapper uuid, and what uses it: kind (container, init, image, base, docker, lvm, snapshot, other), docker's container id and name and device hash (layer), containerd's snapshot id (layer), key (snapshot_key), container (container_id) and image, LVM's vg and lv.",
        labels: [
            "pool", "device", "device_id", "uuid", "kind", "container_id", "container_name", "layer", "snapshot_key", "image", "vg", "lv",
        ])
    static let summed = MetricDescriptor(
        "thinpool_thin_volumes_summed", .gauge,
        help: "Thin volumes past the series cap (--thin.max-series), summed into device=\"__other__\" instead of their own series.",
        labels: ["pool"])
    static let exclusive = MetricDescriptor(
        "thinpool_thin_exclusive_bytes", .gauge,
        help:
            "Data bytes only this thin volume maps: what deleting it frees (thin_ls on a metadata snapshot, at the last space scan).",
        labels: ["pool", "device"])
    static let shared = MetricDescriptor(
        "thinpool_thin_shared_bytes", .gauge,
        help: "Data bytes this thin volume shares with its snapshots or their origin: deleting it frees none of them.",
        labels: ["pool", "device"])
    static let reclaimable = MetricDescriptor(
        "thinpool_thin_reclaimable_bytes", .gauge,
        help:
            "Bytes a trim (fstrim) of the thin volume's mounted filesystem would free in the pool: mapped blocks wholly inside its free extents (estimate=\"true\": mapped - used, when no metadata snapshot said which blocks are mapped). 0 when discards cannot reach the pool.",
        labels: ["pool", "device", "estimate"])

    static let descriptors = [volumes, virtual, thinSize, mapped, thinInfo, summed, exclusive, shared, reclaimable]

    let maxThinSeries: Int?

    mutating func add(_ r: PoolReading, _ s: ThinPool?, to f: inout PoolFamilies) {
        guard let s else { return }
        let p = r.name
        f.add(Self.volumes, [p], .integer(UInt64(s.thinVolumes.count)))
        var promised: UInt64 = 0
        for v in s.thinVolumes { promised = promised.saturatingAdding(v.size.bytes?.rawValue ?? 0) }
        f.add(Self.virtual, [p], .integer(promised))
        let (shown, rest) = Self.capped(s.thinVolumes, limit: maxThinSeries)
        for v in shown {
            f.add(Self.thinSize, [p, v.name], .integer(v.size.bytes?.rawValue ?? 0))
            if let m = v.status?.mapped?.bytes { f.add(Self.mapped, [p, v.name], .integer(m.rawValue)) }
            let o = v.owner
            f.add(
                Self.thinInfo,
                [
                    p, v.name, v.table.map { String($0.deviceId) } ?? "", v.uuid ?? "", o?.kind.rawValue ?? "other",
                    o?.containerID ?? "", o?.containerName ?? "", o?.layer ?? "", o?.snapshotKey ?? "", o?.image ?? "",
                    o?.lvm?.vg ?? "", o?.lvm?.lv ?? "",
                ], 1)
            guard let sp = v.space else { continue }
            if let b = sp.exclusiveBytes { f.add(Self.exclusive, [p, v.name], .integer(b)) }
            if let b = sp.sharedBytes { f.add(Self.shared, [p, v.name], .integer(b)) }
            if let b = sp.reclaimableBytes {
                f.add(Self.reclaimable, [p, v.name, sp.reclaimableIsEstimate ? "true" : "false"], .integer(b))
            }
        }
        f.add(Self.summed, [p], .integer(UInt64(rest.count)))
        if rest.count > 0 {
            f.add(Self.thinSize, [p, PoolMetrics.otherDevice], .integer(rest.sizeBytes))
            f.add(Self.mapped, [p, PoolMetrics.otherDevice], .integer(rest.mappedBytes))
        }
    }

    /// The thin volumes past the series cap, summed.
    struct Rest {
        var count = 0
        var sizeBytes: UInt64 = 0
        var mappedBytes: UInt64 = 0
    }

    /// The `limit` volumes using the most space (mapped bytes, then virtual size, then name), in
    /// name order, and the rest summed; all of them when there is no limit or they fit. Sorts
    /// the volumes' positions, not copies of them.
    static func capped(_ volumes: [ThinVolume], limit: Int?) -> (shown: [ThinVolume], rest: Rest) {
        guard let limit, volumes.count > limit else { return (volumes, Rest()) }
        let ranked = volumes.indices.sorted { i, j in
            let ma = volumes[i].status?.mapped?.rawValue ?? 0
            let mb = volumes[j].status?.mapped?.rawValue ?? 0
            if ma != mb { return ma > mb }
            if volumes[i].size != volumes[j].size { return volumes[i].size.rawValue > volumes[j].size.rawValue }
            return volumes[i].name < volumes[j].name
        }
        var rest = Rest()
        for i in ranked.dropFirst(limit) {
            rest.count += 1
            rest.sizeBytes = rest.sizeBytes.saturatingAdding(volumes[i].size.bytes?.rawValue ?? 0)
            rest.mappedBytes = rest.mappedBytes.saturatingAdding(volumes[i].status?.mapped?.bytes?.rawValue ?? 0)
        }
        return (ranked.prefix(limit).sorted { volumes[$0].name < volumes[$1].name }.map { volumes[$0] }, rest)
    }
}
