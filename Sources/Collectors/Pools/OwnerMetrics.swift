import ThinPoolCore

/// Who uses each pool, and what LVM itself does for an LVM pool: dmeventd's monitoring, LVM's
/// autoextend threshold and step, the volume group's size and free space (once per VG).
struct OwnerMetrics: PoolMetricGroup {
    static let poolInfo = MetricDescriptor(
        "thinpool_pool_info", .info, help: "What uses the pool: owner (docker, containerd, lvm, other), and its LVM vg and lv.",
        labels: ["pool", "owner", "vg", "lv"])
    static let lvmMonitored = MetricDescriptor(
        "thinpool_lvm_monitored", .gauge,
        help:
            "1 if dmeventd monitors the LVM thin pool (lvs seg_monitor), 0 if not (dmeventd not running, monitoring off, or not registered).",
        labels: ["pool"])
    static let lvmThreshold = MetricDescriptor(
        "thinpool_lvm_autoextend_threshold_ratio", .gauge,
        help:
            "LVM's own autoextend threshold for the pool (activation/thin_pool_autoextend_threshold from its profile or lvm.conf, at least 0.5): dmeventd grows the pool once it is this full; 1 means LVM's autoextend is off.",
        labels: ["pool"])
    static let lvmStep = MetricDescriptor(
        "thinpool_lvm_autoextend_step_ratio", .gauge,
        help: "LVM's own autoextend step (activation/thin_pool_autoextend_percent): the fraction dmeventd grows the pool by.",
        labels: ["pool"])
    static let lvmRefuses = MetricDescriptor(
        "thinpool_lvm_refuses_new_volumes", .gauge,
        help:
            "1 if lvcreate would refuse a new thin volume in the LVM pool now (lvm2's thin_pool_below_threshold): space=data once data use > thin_pool_autoextend_threshold or out of data space; space=metadata once metadata use > the threshold or >= 100% less min(25%, 4 MiB), read-only or needs_check; both when Fail or Error.",
        labels: ["pool", "space"])
    static let vgSize = MetricDescriptor(
        "thinpool_lvm_vg_size_bytes", .gauge, help: "Size of the LVM volume group holding a thin pool (lvm vgs, read at most every 30 s).",
        labels: ["vg"])
    static let vgFree = MetricDescriptor(
        "thinpool_lvm_vg_free_bytes", .gauge,
        help: "Free space of the LVM volume group holding a thin pool: the room lvextend (autoextend) can grow the pool into.",
        labels: ["vg"])

    static let descriptors = [poolInfo, vgSize, vgFree, lvmMonitored, lvmThreshold, lvmStep, lvmRefuses]

    private var seenVGs: Set<String> = []

    init(maxThinSeries: Int?) {}

    mutating func add(_ r: PoolReading, _ s: ThinPool?, to f: inout PoolFamilies) {
        guard let s else { return }
        let p = r.name
        let owner = s.owner
        f.add(Self.poolInfo, [p, owner?.kind.rawValue ?? "other", owner?.lvm?.vg ?? "", owner?.lvm?.lv ?? ""], 1)
        if let a = owner?.lvmAutoextend {
            f.add(Self.lvmMonitored, [p], SampleValue(a.monitored))
            f.add(Self.lvmThreshold, [p], .double(a.threshold >= 100 ? 1 : Double(a.effectiveThreshold) / 100))
            f.add(Self.lvmStep, [p], .double(Double(a.percent) / 100))
        }
        if let l = s.lvmRefusal {
            f.add(Self.lvmRefuses, [p, "data"], SampleValue(l.data != nil))
            f.add(Self.lvmRefuses, [p, "metadata"], SampleValue(l.metadata != nil))
        }
        if let vg = owner?.lvm?.vg, seenVGs.insert(vg).inserted {
            if let b = owner?.volumeGroupSize { f.add(Self.vgSize, [vg], .integer(b)) }
            if let b = owner?.volumeGroupFree { f.add(Self.vgFree, [vg], .integer(b)) }
        }
    }
}
