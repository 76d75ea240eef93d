/// Whether `lvcreate -V SIZE -T VG/POOL` would refuse a new thin volume in an LVM thin pool
/// now, as lvm2 decides it: lvm2's thin_pool_below_threshold (lib/metadata/thin_manip.c; named
/// pool_below_threshold before 2.03.17, the same rule in 2.03.11, 2.03.16 and 2.03.31), asked
/// by lv_manip.c before every new thin LV in an active pool, monitored by dmeventd or not:
///
/// - the pool Fail, Error, out of data space, read-only or needs_check refuses;
/// - data: refuses once data use > activation/thin_pool_autoextend_threshold (capped at 100;
///   not raised to 50 as dmeventd raises it), so never at 100 but when out of data space;
/// - metadata: refuses once metadata use >= 100% - min(25%, 4 MiB of the metadata LV) -- lvm's
///   hard floor, whatever the threshold -- or > the threshold.
///
/// Uses are dm_make_percent of the kernel's status (``LVMReport``), compared as lvm compares
/// them: fixed point, 1e-6 %. lvm prints "Cannot create new thin volume, free space in thin
/// pool VG/POOL reached threshold."; the reasons here are the ones its warnings and debug log
/// give.
public struct LVMRefusal: Hashable, Sendable {
    /// Why new thin volumes are refused for data space (nil: they are not).
    public var data: String?
    /// Why they are refused for metadata space or metadata state (nil: they are not).
    public var metadata: String?

    public init(data: String? = nil, metadata: String? = nil) {
        self.data = data
        self.metadata = metadata
    }

    public var refuses: Bool { data != nil || metadata != nil }

    /// The decision for a pool with `status` (the kernel's), `threshold` (the pool's
    /// thin_pool_autoextend_threshold, from its profile or lvm.conf) and its metadata LV of
    /// `metadataSectors` (the kernel's metadata blocks x 8: the whole _tmeta LV up to the
    /// kernel's 16 GiB limit, which lvm does not let a pool's metadata exceed).
    public static func decide(status: ThinPoolStatus, threshold: Int, metadataSectors: UInt64) -> LVMRefusal {
        guard let w = status.working else {
            let why = status == .fail ? "the pool is failed" : "the pool is erroring"
            return LVMRefusal(data: why, metadata: why)
        }
        var out = LVMRefusal()
        let t = Int32(min(max(threshold, 0), 100)) * LVMReport.percent1
        let data = LVMReport.makePercent(w.usedData.rawValue, w.totalData.rawValue)
        let meta = LVMReport.makePercent(w.usedMetadata.rawValue, w.totalMetadata.rawValue)
        if w.mode == .outOfDataSpace {
            out.data = "the pool is out of data space"
        } else if data > t {
            out.data = "data \(LVMReport.format(data))% > thin_pool_autoextend_threshold \(threshold)%"
        }
        var meaning: [String] = []
        if w.mode == .readOnly { meaning.append("the pool has read-only metadata") }
        if w.needsCheck == true { meaning.append("the pool needs check") }
        let floor = minMetadataThreshold(metadataSectors: metadataSectors)
        if meta >= floor {
            meaning.append(
                "metadata \(LVMReport.format(meta))% >= \(LVMReport.format(floor))% (lvm keeps 25% or 4 MiB of metadata free)")
        } else if meta > t {
            meaning.append("metadata \(LVMReport.format(meta))% > thin_pool_autoextend_threshold \(threshold)%")
        }
        if !meaning.isEmpty { out.metadata = meaning.joined(separator: "; ") }
        return out
    }

    /// lvm2's thin_pool_metadata_min_threshold: 100% less the smaller of 25% and 4 MiB of the
    /// metadata LV (so 75% below 16 MiB of metadata).
    static func minMetadataThreshold(metadataSectors: UInt64) -> Int32 {
        let fourMiB = LVMReport.makePercent(4096 * 1024 / 512, metadataSectors)
        return LVMReport.percent100 - min(25 * LVMReport.percent1, fourMiB)
    }
}

extension ThinPool {
    /// lvm2's decision on a new thin volume in this pool: nil when it is not an LVM pool or
    /// its autoextend threshold could not be read.
    public var lvmRefusal: LVMRefusal? {
        guard owner?.lvm != nil, let a = owner?.lvmAutoextend else { return nil }
        let sectors = status.working.map { $0.totalMetadata.rawValue.multipliedReportingOverflow(by: 8).partialValue } ?? 0
        return LVMRefusal.decide(status: status, threshold: a.threshold, metadataSectors: sectors)
    }
}

extension LVMRefusal {
    /// "no", "yes (data 75.80% > thin_pool_autoextend_threshold 65%)".
    public var description: String { refuses ? "yes (\(reasons))" : "no" }

    /// Every reason, data's first: "data 75.80% > thin_pool_autoextend_threshold 65%".
    public var reasons: String { [data, metadata].compactMap { $0 }.joined(separator: "; ") }
}
