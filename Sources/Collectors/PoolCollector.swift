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

    public func collect() -> (families: [MetricFamily], success: Bool) {
        var up = Self.up.family()
        do {
            let report = try read()
            up.add(values: [], 1)
            return ([up] + PoolMetrics.families(report, maxThinSeries: maxThinSeries), true)
        } catch {
            up.add(values: [], 0)
            return ([up], false)
        }
    }
}

/// The pool families, each described once, built from a report. Pure: a report in, families out.
public enum PoolMetrics {
    public static let defaultMaxThinSeries = 500
    /// The device label of the series that sums the thin volumes past the cap.
    public static let otherDevice = "__other__"

    static let pool = ["pool"]
    static let devices = MetricDescriptor("thinpool_devices", .gauge, help: "Device-mapper devices listed (DM_DEVICE_LIST).")
    static let poolUp = MetricDescriptor(
        "thinpool_pool_up", .gauge,
        help: "1 if the pool's table and status were read and parsed, 0 if not (the log and `status --json` say why).", labels: pool)
    static let dataUsed = MetricDescriptor(
        "thinpool_data_used_bytes", .gauge, help: "Used data space: used data blocks (thin-pool status) x data block size (table).",
        labels: pool)
    static let dataSize = MetricDescriptor(
        "thinpool_data_size_bytes", .gauge, help: "Data space: total data blocks (thin-pool status) x data block size (table).",
        labels: pool)
    static let dataAvail = MetricDescriptor(
        "thinpool_data_available_bytes", .gauge,
        help:
            "Data Space Available as docker info computes it: size - used, capped at the free space (statfs f_bfree x f_bsize) of the filesystem holding the data device's loop file.",
        labels: pool)
    static let metaUsed = MetricDescriptor(
        "thinpool_metadata_used_bytes", .gauge, help: "Used metadata space: used metadata blocks (thin-pool status) x 4096.", labels: pool)
    static let metaSize = MetricDescriptor(
        "thinpool_metadata_size_bytes", .gauge, help: "Metadata space: total metadata blocks (thin-pool status) x 4096.", labels: pool)
    static let metaAvail = MetricDescriptor(
        "thinpool_metadata_available_bytes", .gauge,
        help:
            "Metadata Space Available as docker info computes it: size - used, capped at the free space of the filesystem holding the metadata device's loop file.",
        labels: pool)
    static let blockSize = MetricDescriptor(
        "thinpool_data_block_size_bytes", .gauge, help: "Data block size (thin-pool table) in bytes: docker's Pool Blocksize.", labels: pool
    )
    static let minFree = MetricDescriptor(
        "thinpool_min_free_space_bytes", .gauge,
        help: "Docker's Thin Pool Minimum Free Space: total data blocks x dm.min_free_space / 100 x block size.", labels: pool)
    static let refuses = MetricDescriptor(
        "thinpool_docker_refuses_new_devices", .gauge,
        help:
            "1 if docker would refuse to create a container or layer now: free data (space=data) or metadata (space=metadata) blocks below max(1, total x dm.min_free_space / 100).",
        labels: ["pool", "space"])
    static let lwm = MetricDescriptor(
        "thinpool_low_water_mark_bytes", .gauge,
        help: "Low water mark (thin-pool table) in bytes: the kernel raises a dm event when free data space falls to it.", labels: pool)
    static let atLwm = MetricDescriptor(
        "thinpool_at_low_water_mark", .gauge, help: "1 if free data blocks are at or below the table's low water mark.", labels: pool)
    static let metaLwm = MetricDescriptor(
        "thinpool_metadata_low_watermark_bytes", .gauge,
        help: "Metadata low watermark (thin-pool status) in bytes: the kernel raises a dm event when free metadata space falls below it.",
        labels: pool)
    static let mode = MetricDescriptor(
        "thinpool_mode", .gauge,
        help:
            "Pool mode (thin-pool status: rw, ro, out_of_data_space; the words Fail and Error as fail, error): one series per mode, 1 for the current one.",
        labels: ["pool", "mode"])
    static let needsCheck = MetricDescriptor(
        "thinpool_needs_check", .gauge, help: "1 if the pool's metadata needs thin_check (thin-pool status needs_check).", labels: pool)
    static let policy = MetricDescriptor(
        "thinpool_no_space_policy", .gauge,
        help: "What writes do when data space runs out (thin-pool status): queue_if_no_space or error_if_no_space, 1 for the current one.",
        labels: ["pool", "policy"])
    static let discard = MetricDescriptor(
        "thinpool_discard", .gauge,
        help: "Discard handling (thin-pool status): discard_passdown, no_discard_passdown or ignore_discard, 1 for the current one.",
        labels: ["pool", "discard"])
    static let held = MetricDescriptor(
        "thinpool_metadata_snapshot_held", .gauge, help: "1 if a metadata snapshot is held (thin-pool status held metadata root).",
        labels: pool)
    static let txid = MetricDescriptor(
        "thinpool_transaction_id", .gauge, help: "Transaction id of the pool's metadata (thin-pool status).", labels: pool)
    static let events = MetricDescriptor(
        "thinpool_dm_events", .counter,
        help: "Device-mapper events of the pool device (its event number): low water mark, mode changes, resumes.", labels: pool)
    static let volumes = MetricDescriptor(
        "thinpool_thin_volumes", .gauge, help: "Thin volumes provisioned from the pool that are active (have a dm device).", labels: pool)
    static let virtual = MetricDescriptor(
        "thinpool_virtual_size_bytes", .gauge,
        help: "Sum of the sizes of the pool's active thin volumes (thin table lengths): the space promised.", labels: pool)
    static let mapped = MetricDescriptor(
        "thinpool_thin_mapped_bytes", .gauge, help: "Space provisioned to the thin volume: mapped sectors (thin status) x 512.",
        labels: ["pool", "device"])
    static let thinSize = MetricDescriptor(
        "thinpool_thin_size_bytes", .gauge, help: "Virtual size of the thin volume (thin table length) in bytes.",
        labels: ["pool", "device"])
    static let thinInfo = MetricDescriptor(
        "thinpool_thin", .info,
        help:
            "A thin volume: its device id in the pool, its device-mapper uuid, and what uses it: kind (container, init, image, base, docker, lvm, snapshot, other), docker's container id and name and device hash (layer), containerd's snapshot id (layer), key (snapshot_key), container (container_id) and image, LVM's vg and lv.",
        labels: [
            "pool", "device", "device_id", "uuid", "kind", "container_id", "container_name", "layer", "snapshot_key", "image", "vg", "lv",
        ])
    static let summed = MetricDescriptor(
        "thinpool_thin_volumes_summed", .gauge,
        help: "Thin volumes past the series cap (--thin.max-series), summed into device=\"__other__\" instead of their own series.",
        labels: pool)
    static let poolInfo = MetricDescriptor(
        "thinpool_pool", .info, help: "What uses the pool: owner (docker, containerd, lvm, other), and its LVM vg and lv.",
        labels: ["pool", "owner", "vg", "lv"])
    static let dockerDevices = MetricDescriptor(
        "thinpool_docker_devices", .gauge,
        help:
            "docker's thin devices in its pool by kind (container, init, image, base, docker) and state: active (has a dm device), inactive (a stopped container, an unused layer: read from docker's metadata files), deleted (deferred deletion).",
        labels: ["pool", "kind", "state"])
    static let dockerBytes = MetricDescriptor(
        "thinpool_docker_devices_virtual_bytes", .gauge,
        help:
            "Sum of the virtual sizes of docker's thin devices by kind and state (docker's metadata files; table lengths for active ones).",
        labels: ["pool", "kind", "state"])
    static let dockerBase = MetricDescriptor(
        "thinpool_docker_base_device_size_bytes", .gauge,
        help:
            "Virtual size of docker's base device (its metadata file \"base\"): docker info's Base Device Size, the size of every new container's filesystem.",
        labels: pool)
    static let dockerSkipped = MetricDescriptor(
        "thinpool_docker_metadata_skipped_files", .gauge,
        help: "Files in docker's metadata and layer store that were skipped: half-written (.tmp*) or malformed. The log names them.",
        labels: pool)
    static let snapshots = MetricDescriptor(
        "thinpool_containerd_snapshots", .gauge,
        help:
            "Snapshots of containerd's devmapper snapshotter in its pool, as `ctr snapshots ls` counts them, by kind (active, committed, view; removed: gone from containerd's metadata, its device not yet cleaned up by the snapshotter, which ctr does not list; unknown when containerd's metadata cannot be read) and state (active: its thin device <pool_name>-snap-<id> exists; inactive: only in the pool's metadata).",
        labels: ["pool", "kind", "state"])
    static let vgSize = MetricDescriptor(
        "thinpool_lvm_vg_size_bytes", .gauge, help: "Size of the LVM volume group holding a thin pool (lvm vgs, read at most every 30 s).",
        labels: ["vg"])
    static let vgFree = MetricDescriptor(
        "thinpool_lvm_vg_free_bytes", .gauge,
        help: "Free space of the LVM volume group holding a thin pool: the room lvextend (autoextend) can grow the pool into.",
        labels: ["vg"])
    static let lvmMonitored = MetricDescriptor(
        "thinpool_lvm_monitored", .gauge,
        help:
            "1 if dmeventd monitors the LVM thin pool (lvs seg_monitor), 0 if not (dmeventd not running, monitoring off, or not registered).",
        labels: pool)
    static let lvmThreshold = MetricDescriptor(
        "thinpool_lvm_autoextend_threshold_ratio", .gauge,
        help:
            "LVM's own autoextend threshold for the pool (activation/thin_pool_autoextend_threshold from its profile or lvm.conf, at least 0.5): dmeventd grows the pool once it is this full; 1 means LVM's autoextend is off.",
        labels: pool)
    static let lvmStep = MetricDescriptor(
        "thinpool_lvm_autoextend_step_ratio", .gauge,
        help: "LVM's own autoextend step (activation/thin_pool_autoextend_percent): the fraction dmeventd grows the pool by.", labels: pool)

    static let outOfSpaceSince = MetricDescriptor(
        "thinpool_out_of_data_space_since_timestamp_seconds", .gauge,
        help:
            "When the pool was first seen out of data space with writes queued (queue_if_no_space), unix time; absent otherwise.",
        labels: pool)
    static let noSpaceDeadline = MetricDescriptor(
        "thinpool_queued_writes_fail_timestamp_seconds", .gauge,
        help:
            "The earliest moment the kernel fails the writes queued on a pool out of data space (no_space_timeout after it ran out; its timer fires up to one timer-wheel granule later, 2 s for 20 s at HZ 250), unix time; absent when not out of space, or no_space_timeout is 0.",
        labels: pool)
    static let blockedWriters = MetricDescriptor(
        "thinpool_thin_blocked_writers", .gauge,
        help:
            "Processes blocked in I/O holding a thin volume (or a file on it) open while its pool is out of data space and queues writes; only volumes being written to.",
        labels: ["pool", "device"])

    static let stuck = MetricDescriptor(
        "thinpool_device_stuck", .gauge,
        help:
            "1 for a device of the pool (the pool or a thin volume) suspended, with an inactive table loaded, a deferred removal pending, or failed (state); absent otherwise.",
        labels: ["pool", "device", "state"])
    static let stuckSince = MetricDescriptor(
        "thinpool_device_stuck_since_timestamp_seconds", .gauge,
        help: "When the agent first saw the device in that state, unix time.", labels: ["pool", "device", "state"])
    static let overcommit = MetricDescriptor(
        "thinpool_overcommit_ratio", .gauge,
        help:
            "Virtual size promised (active thin volumes, docker's inactive devices, LVM's inactive thin LVs) over the pool's data size: above 1 the pool promised more than it has.",
        labels: pool)
    static let inactiveVirtual = MetricDescriptor(
        "thinpool_inactive_virtual_size_bytes", .gauge,
        help:
            "Virtual size of devices in the pool with no dm device now (docker's stopped containers and image layers, LVM's inactive thin LVs).",
        labels: pool)
    static let largest = MetricDescriptor(
        "thinpool_largest_thin_volume_bytes", .gauge, help: "Virtual size of the pool's largest active thin volume.", labels: pool)
    static let ableToFill = MetricDescriptor(
        "thinpool_thin_volumes_able_to_fill_pool", .gauge,
        help: "Active thin volumes whose unmapped size alone is at least the pool's free data space: each could fill the pool.",
        labels: pool)

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
    static let poolReclaimable = MetricDescriptor(
        "thinpool_reclaimable_bytes", .gauge,
        help: "What trims of the pool's mounted thin volumes would free in it, at the last space scan.", labels: pool)
    static let loopAllocated = MetricDescriptor(
        "thinpool_data_file_allocated_bytes", .gauge,
        help:
            "Bytes the data device's loop file takes on its filesystem (st_blocks): above the pool's used bytes by what the pool freed but the host did not get back.",
        labels: pool)
    static let scanned = MetricDescriptor(
        "thinpool_space_scan_timestamp_seconds", .gauge, help: "When the pool's last space scan ran, unix time.", labels: pool)

    /// The order families are written in.
    static let all: [MetricDescriptor] = [
        devices, poolUp, mode, dataUsed, dataSize, dataAvail, metaUsed, metaSize, metaAvail, blockSize, minFree, refuses, lwm,
        atLwm, metaLwm, needsCheck, policy, discard, held, txid, events, volumes, virtual, mapped, thinSize, thinInfo, summed,
        poolInfo, dockerDevices, dockerBytes, dockerBase, dockerSkipped, snapshots, vgSize, vgFree, lvmMonitored, lvmThreshold,
        lvmStep, outOfSpaceSince, noSpaceDeadline, blockedWriters, stuck, stuckSince, overcommit, inactiveVirtual, largest, ableToFill,
        exclusive, shared, reclaimable, poolReclaimable, loopAllocated,
        scanned,
    ]

    public static func families(_ report: HostReading, maxThinSeries: Int? = defaultMaxThinSeries) -> [MetricFamily] {
        var f: [String: MetricFamily] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0.family()) })
        func add(_ d: MetricDescriptor, _ values: [String], _ v: SampleValue) { f[d.name]!.add(values: values, v) }
        func bytes(_ d: MetricDescriptor, _ values: [String], _ b: Bytes?) { if let b { add(d, values, .integer(b.rawValue)) } }
        add(devices, [], .integer(UInt64(report.deviceCount)))
        var seenVGs: Set<String> = []
        for r in report.pools {
            let p = r.name
            add(poolUp, [p], SampleValue(r.pool != nil && r.error == nil))
            guard let s = r.pool else { continue }
            bytes(blockSize, [p], s.table.blockSize.bytes)
            bytes(lwm, [p], s.table.lowWaterMark.bytes(blockSize: s.table.blockSize))
            let current = s.mode
            for m in PoolMode.allCases { add(mode, [p, m.rawValue], SampleValue(current == m)) }
            for q in [ThinPoolStatus.NoSpacePolicy.queue, .error] { add(policy, [p, q.rawValue], SampleValue(s.noSpacePolicy == q)) }
            if let e = s.eventNumber { add(events, [p], .integer(UInt64(e))) }
            if let w = s.status.working {
                if let n = w.needsCheck { add(needsCheck, [p], SampleValue(n)) }
                if let d = w.discard {
                    for x in [ThinPoolStatus.Discard.passdown, .noPassdown, .ignore] { add(discard, [p, x.rawValue], SampleValue(d == x)) }
                }
                add(held, [p], SampleValue(w.heldMetadataRoot != nil))
                add(txid, [p], .integer(w.transactionId))
            }
            if let c = r.capacity {
                bytes(dataUsed, [p], c.data.used)
                bytes(dataSize, [p], c.data.total)
                bytes(dataAvail, [p], c.data.available)
                bytes(metaUsed, [p], c.metadata.used)
                bytes(metaSize, [p], c.metadata.total)
                bytes(metaAvail, [p], c.metadata.available)
                bytes(minFree, [p], c.minFreeSpace)
                add(refuses, [p, "data"], SampleValue(c.dockerRefusesData))
                add(refuses, [p, "metadata"], SampleValue(c.dockerRefusesMetadata))
                add(atLwm, [p], SampleValue(c.atLowWaterMark))
                bytes(metaLwm, [p], c.metadataLowWatermark)
            }
            if let o = s.outOfSpace {
                add(outOfSpaceSince, [p], .double(o.since))
                if let d = o.deadline { add(noSpaceDeadline, [p], .double(d)) }
                for w in o.writers { add(blockedWriters, [p, w.device], .integer(UInt64(w.processes.count))) }
            }
            add(volumes, [p], .integer(UInt64(s.thinVolumes.count)))
            var promised: UInt64 = 0
            for v in s.thinVolumes { promised = promised.saturatingAdding(v.size.bytes?.rawValue ?? 0) }
            let (shown, rest) = capped(s.thinVolumes, limit: maxThinSeries)
            for v in shown {
                add(thinSize, [p, v.name], .integer(v.size.bytes?.rawValue ?? 0))
                if let m = v.status?.mapped?.bytes { add(mapped, [p, v.name], .integer(m.rawValue)) }
                let o = v.owner
                add(
                    thinInfo,
                    [
                        p, v.name, v.table.map { String($0.deviceId) } ?? "", v.uuid ?? "", o?.kind.rawValue ?? "other",
                        o?.containerID ?? "", o?.containerName ?? "", o?.layer ?? "", o?.snapshotKey ?? "", o?.image ?? "",
                        o?.lvm?.vg ?? "", o?.lvm?.lv ?? "",
                    ], 1)
            }
            for v in shown {
                guard let sp = v.space else { continue }
                if let b = sp.exclusiveBytes { add(exclusive, [p, v.name], .integer(b)) }
                if let b = sp.sharedBytes { add(shared, [p, v.name], .integer(b)) }
                if let b = sp.reclaimableBytes { add(reclaimable, [p, v.name, sp.reclaimableIsEstimate ? "true" : "false"], .integer(b)) }
            }
            if let sp = s.space {
                add(poolReclaimable, [p], .integer(sp.reclaimableBytes))
                add(scanned, [p], .double(sp.scannedAt))
                if let b = sp.dataFileAllocatedBytes { add(loopAllocated, [p], .integer(b)) }
            }
            add(summed, [p], .integer(UInt64(rest.count)))
            if rest.count > 0 {
                add(thinSize, [p, otherDevice], .integer(rest.sizeBytes))
                add(mapped, [p, otherDevice], .integer(rest.mappedBytes))
            }
            let owner = s.owner
            add(poolInfo, [p, owner?.kind.rawValue ?? "other", owner?.lvm?.vg ?? "", owner?.lvm?.lv ?? ""], 1)
            if let a = owner?.lvmAutoextend {
                add(lvmMonitored, [p], SampleValue(a.monitored))
                add(lvmThreshold, [p], .double(a.threshold >= 100 ? 1 : Double(a.effectiveThreshold) / 100))
                add(lvmStep, [p], .double(Double(a.percent) / 100))
            }
            if let vg = owner?.lvm?.vg, seenVGs.insert(vg).inserted {
                if let b = owner?.volumeGroupSize { add(vgSize, [vg], .integer(b)) }
                if let b = owner?.volumeGroupFree { add(vgFree, [vg], .integer(b)) }
            }
            if let d = owner?.docker {
                for t in d.devices {
                    add(dockerDevices, [p, t.kind.rawValue, t.state.rawValue], .integer(UInt64(t.count)))
                    add(dockerBytes, [p, t.kind.rawValue, t.state.rawValue], .integer(t.virtualBytes))
                }
                add(dockerSkipped, [p], .integer(UInt64(d.skippedFiles)))
                if let b = d.baseDeviceSize { add(dockerBase, [p], .integer(b)) }
            }
            if owner?.kind == .containerd {
                if let tallies = owner?.containerdSnapshots {
                    for t in tallies { add(snapshots, [p, t.kind, t.active ? "active" : "inactive"], .integer(UInt64(t.count))) }
                } else {
                    let active = s.thinVolumes.filter { $0.owner?.kind == .containerdSnapshot }.count
                    add(snapshots, [p, "unknown", "active"], .integer(UInt64(active)))
                }
            }
            add(virtual, [p], .integer(promised))
            for d in s.stuck {
                add(stuck, [p, d.device, d.state.rawValue], .integer(1))
                if let since = d.since { add(stuckSince, [p, d.device, d.state.rawValue], .double(since)) }
            }
            // Promised but without a dm device: docker's inactive devices (stopped containers,
            // image layers) and LVM's inactive thin LVs.
            let inactive =
                (owner?.docker?.devices ?? []).filter { $0.state == .inactive }.reduce(UInt64(0)) { $0.saturatingAdding($1.virtualBytes) }
                .saturatingAdding(owner?.lvmInactiveThin?.virtualBytes ?? 0)
            if let c = r.capacity,
                let o = s.overcommit(freeDataBytes: c.data.freeBlocks &* c.blockSize.rawValue, inactiveVirtualBytes: inactive)
            {
                add(overcommit, [p], .double(o.ratio))
                add(inactiveVirtual, [p], .integer(o.inactiveVirtualBytes))
                if !s.thinVolumes.isEmpty { add(largest, [p], .integer(o.largestVolumeBytes)) }
                add(ableToFill, [p], .integer(UInt64(o.volumesAbleToFill)))
            }
        }
        return all.map { f[$0.name]! }
    }

    /// The thin volumes past the series cap, summed.
    struct Rest {
        var count = 0
        var sizeBytes: UInt64 = 0
        var mappedBytes: UInt64 = 0
    }

    /// The `limit` volumes using the most space (mapped bytes, then virtual size, then name), in
    /// name order, and the rest summed; all of them when there is no limit or they fit. Ranks
    /// positions, not copies: at 10,000 volumes, copies of the volumes sorted and of the rest
    /// were megabytes per scrape.
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
