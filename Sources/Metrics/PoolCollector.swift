import Exposition
import PoolReader
import ThinPool

/// The pools as metrics (namespace thinpool_, base units, labels `pool` and `device`),
/// read fresh through the same reader as `status` at every scrape: a pool that vanished has no
/// series; a pool that cannot be read has `thinpool_pool_up 0` and does not fail the scrape.
public struct PoolCollector: MetricsCollector {
    public let name = "pools"
    let read: @Sendable () throws -> PoolReport
    let maxThinSeries: Int?

    /// `maxThinSeries`: per pool, how many thin volumes get their own series (the largest by
    /// mapped bytes); the rest are summed into device="__other__". nil: no limit.
    public init(maxThinSeries: Int? = PoolMetrics.defaultMaxThinSeries, read: @escaping @Sendable () throws -> PoolReport) {
        self.read = read
        self.maxThinSeries = maxThinSeries
    }

    public func collect() -> (families: [MetricFamily], success: Bool) {
        var up = MetricFamily("thinpool_up", .gauge,
                              help: "1 if device-mapper could be read (DM_DEVICE_LIST succeeded), 0 if not.")
        do {
            let report = try read()
            up.add([:], 1)
            return ([up] + PoolMetrics.families(report, maxThinSeries: maxThinSeries), true)
        } catch {
            up.add([:], 0)
            return ([up], false)
        }
    }
}

/// Builds the pool families from a report. Pure: a report in, families out.
public enum PoolMetrics {
    public static let defaultMaxThinSeries = 500
    /// The device label of the series that sums the thin volumes past the cap.
    public static let otherDevice = "__other__"

    public static func families(_ report: PoolReport, maxThinSeries: Int? = defaultMaxThinSeries) -> [MetricFamily] {
        func gauge(_ name: String, _ help: String) -> MetricFamily { MetricFamily(name, .gauge, help: help) }
        var devices = gauge("thinpool_devices", "Device-mapper devices listed (DM_DEVICE_LIST).")
        devices.add([:], .integer(UInt64(report.deviceCount)))
        var poolUp = gauge("thinpool_pool_up", "1 if the pool's table and status were read and parsed, 0 if not (the log and `status --json` say why).")
        var dataUsed = gauge("thinpool_data_used_bytes", "Used data space: used data blocks (thin-pool status) x data block size (table).")
        var dataSize = gauge("thinpool_data_size_bytes", "Data space: total data blocks (thin-pool status) x data block size (table).")
        var dataAvail = gauge("thinpool_data_available_bytes", "Data Space Available as docker info computes it: size - used, capped at the free space (statfs f_bfree x f_bsize) of the filesystem holding the data device's loop file.")
        var metaUsed = gauge("thinpool_metadata_used_bytes", "Used metadata space: used metadata blocks (thin-pool status) x 4096.")
        var metaSize = gauge("thinpool_metadata_size_bytes", "Metadata space: total metadata blocks (thin-pool status) x 4096.")
        var metaAvail = gauge("thinpool_metadata_available_bytes", "Metadata Space Available as docker info computes it: size - used, capped at the free space of the filesystem holding the metadata device's loop file.")
        var blockSize = gauge("thinpool_data_block_size_bytes", "Data block size (thin-pool table) in bytes: docker's Pool Blocksize.")
        var minFree = gauge("thinpool_min_free_space_bytes", "Docker's Thin Pool Minimum Free Space: total data blocks x dm.min_free_space / 100 x block size.")
        var refuses = gauge("thinpool_docker_refuses_new_devices", "1 if docker would refuse to create a container or layer now: free data (space=data) or metadata (space=metadata) blocks below max(1, total x dm.min_free_space / 100).")
        var lwm = gauge("thinpool_low_water_mark_bytes", "Low water mark (thin-pool table) in bytes: the kernel raises a dm event when free data space falls to it.")
        var atLwm = gauge("thinpool_at_low_water_mark", "1 if free data blocks are at or below the table's low water mark.")
        var metaLwm = gauge("thinpool_metadata_low_watermark_bytes", "Metadata low watermark (thin-pool status) in bytes: the kernel raises a dm event when free metadata space falls below it.")
        var mode = gauge("thinpool_mode", "Pool mode (thin-pool status: rw, ro, out_of_data_space; the words Fail and Error as fail, error): one series per mode, 1 for the current one.")
        var needsCheck = gauge("thinpool_needs_check", "1 if the pool's metadata needs thin_check (thin-pool status needs_check).")
        var policy = gauge("thinpool_no_space_policy", "What writes do when data space runs out (thin-pool status): queue_if_no_space or error_if_no_space, 1 for the current one.")
        var discard = gauge("thinpool_discard", "Discard handling (thin-pool status): discard_passdown, no_discard_passdown or ignore_discard, 1 for the current one.")
        var held = gauge("thinpool_metadata_snapshot_held", "1 if a metadata snapshot is held (thin-pool status held metadata root).")
        var txid = gauge("thinpool_transaction_id", "Transaction id of the pool's metadata (thin-pool status).")
        var events = MetricFamily("thinpool_dm_events", .counter, help: "Device-mapper events of the pool device (its event number): low water mark, mode changes, resumes.")
        var volumes = gauge("thinpool_thin_volumes", "Thin volumes provisioned from the pool that are active (have a dm device).")
        var virtual = gauge("thinpool_virtual_size_bytes", "Sum of the sizes of the pool's active thin volumes (thin table lengths): the space promised.")
        var mapped = gauge("thinpool_thin_mapped_bytes", "Space provisioned to the thin volume: mapped sectors (thin status) x 512.")
        var thinSize = gauge("thinpool_thin_size_bytes", "Virtual size of the thin volume (thin table length) in bytes.")
        var thinInfo = MetricFamily("thinpool_thin", .info, help: "A thin volume: its device id in the pool, its device-mapper uuid, and what uses it: kind (container, init, image, base, docker, lvm, snapshot, other), docker's container id and name and device hash (layer), containerd's snapshot id (layer), key (snapshot_key), container (container_id) and image, LVM's vg and lv.")
        var summed = gauge("thinpool_thin_volumes_summed", "Thin volumes past the series cap (--thin.max-series), summed into device=\"__other__\" instead of their own series.")
        var poolInfo = MetricFamily("thinpool_pool", .info, help: "What uses the pool: owner (docker, containerd, lvm, other), and its LVM vg and lv.")
        var dockerDevices = gauge("thinpool_docker_devices", "docker's thin devices in its pool by kind (container, init, image, base, docker) and state: active (has a dm device), inactive (a stopped container, an unused layer: read from docker's metadata files), deleted (deferred deletion).")
        var dockerBytes = gauge("thinpool_docker_devices_virtual_bytes", "Sum of the virtual sizes of docker's thin devices by kind and state (docker's metadata files; table lengths for active ones).")
        var dockerBase = gauge("thinpool_docker_base_device_size_bytes", "Virtual size of docker's base device (its metadata file \"base\"): docker info's Base Device Size, the size of every new container's filesystem.")
        var dockerSkipped = gauge("thinpool_docker_metadata_skipped_files", "Files in docker's metadata and layer store that were skipped: half-written (.tmp*) or malformed. The log names them.")
        var snapshots = gauge("thinpool_containerd_snapshots", "Snapshots of containerd's devmapper snapshotter in its pool, as `ctr snapshots ls` counts them, by kind (active, committed, view; removed: gone from containerd's metadata, its device not yet cleaned up by the snapshotter, which ctr does not list; unknown when containerd's metadata cannot be read) and state (active: its thin device <pool_name>-snap-<id> exists; inactive: only in the pool's metadata).")
        var vgSize = gauge("thinpool_lvm_vg_size_bytes", "Size of the LVM volume group holding a thin pool (lvm vgs, read at most every 30 s).")
        var vgFree = gauge("thinpool_lvm_vg_free_bytes", "Free space of the LVM volume group holding a thin pool: the room lvextend (autoextend) can grow the pool into.")
        var lvmMonitored = gauge("thinpool_lvm_monitored", "1 if dmeventd monitors the LVM thin pool (lvs seg_monitor), 0 if not (dmeventd not running, monitoring off, or not registered).")
        var lvmThreshold = gauge("thinpool_lvm_autoextend_threshold_ratio", "LVM's own autoextend threshold for the pool (activation/thin_pool_autoextend_threshold from its profile or lvm.conf, at least 0.5): dmeventd grows the pool once it is this full; 1 means LVM's autoextend is off.")
        var lvmStep = gauge("thinpool_lvm_autoextend_step_ratio", "LVM's own autoextend step (activation/thin_pool_autoextend_percent): the fraction dmeventd grows the pool by.")
        var seenVGs: Set<String> = []

        for r in report.pools {
            let p = r.name
            poolUp.add(["pool": p], SampleValue(r.snapshot != nil && r.error == nil))
            guard let s = r.snapshot else { continue }
            if let b = s.table.blockSize.bytes { blockSize.add(["pool": p], .integer(b.rawValue)) }
            if let b = s.table.lowWaterMark.bytes(blockSize: s.table.blockSize) { lwm.add(["pool": p], .integer(b.rawValue)) }
            let current = s.mode
            for m in PoolMode.allCases { mode.add(["pool": p, "mode": m.rawValue], SampleValue(current == m)) }
            for q in [ThinPoolStatus.NoSpacePolicy.queue, .error] {
                policy.add(["pool": p, "policy": q.rawValue], SampleValue(s.noSpacePolicy == q))
            }
            if let e = s.eventNumber { events.add(["pool": p], .integer(UInt64(e))) }
            if let w = s.status.working {
                if let n = w.needsCheck { needsCheck.add(["pool": p], SampleValue(n)) }
                if let d = w.discard {
                    for x in [ThinPoolStatus.Discard.passdown, .noPassdown, .ignore] {
                        discard.add(["pool": p, "discard": x.rawValue], SampleValue(d == x))
                    }
                }
                held.add(["pool": p], SampleValue(w.heldMetadataRoot != nil))
                txid.add(["pool": p], .integer(w.transactionId))
            }
            if let c = r.capacity {
                dataUsed.add(["pool": p], .integer(c.data.used.rawValue))
                dataSize.add(["pool": p], .integer(c.data.total.rawValue))
                dataAvail.add(["pool": p], .integer(c.data.available.rawValue))
                metaUsed.add(["pool": p], .integer(c.metadata.used.rawValue))
                metaSize.add(["pool": p], .integer(c.metadata.total.rawValue))
                metaAvail.add(["pool": p], .integer(c.metadata.available.rawValue))
                minFree.add(["pool": p], .integer(c.minFreeSpace.rawValue))
                refuses.add(["pool": p, "space": "data"], SampleValue(c.dockerRefusesData))
                refuses.add(["pool": p, "space": "metadata"], SampleValue(c.dockerRefusesMetadata))
                atLwm.add(["pool": p], SampleValue(c.atLowWaterMark))
                if let m = c.metadataLowWatermark { metaLwm.add(["pool": p], .integer(m.rawValue)) }
            }
            volumes.add(["pool": p], .integer(UInt64(s.thinVolumes.count)))
            var promised: UInt64 = 0
            for v in s.thinVolumes { promised = saturatingAdd(promised, v.size.bytes?.rawValue ?? 0) }
            let (shown, rest) = capped(s.thinVolumes, limit: maxThinSeries)
            for v in shown {
                thinSize.add(["pool": p, "device": v.name], .integer(v.size.bytes?.rawValue ?? 0))
                if let m = v.status?.mapped?.bytes { mapped.add(["pool": p, "device": v.name], .integer(m.rawValue)) }
                let o = v.owner
                thinInfo.add(["pool": p, "device": v.name, "device_id": v.table.map { String($0.deviceId) } ?? "",
                              "uuid": v.uuid ?? "", "kind": o?.kind.rawValue ?? "other", "container_id": o?.containerID ?? "",
                              "container_name": o?.containerName ?? "", "layer": o?.layer ?? "",
                              "snapshot_key": o?.snapshotKey ?? "", "image": o?.image ?? "",
                              "vg": o?.lvm?.vg ?? "", "lv": o?.lvm?.lv ?? ""], 1)
            }
            summed.add(["pool": p], .integer(UInt64(rest.count)))
            if !rest.isEmpty {
                thinSize.add(["pool": p, "device": otherDevice], .integer(rest.reduce(0) { saturatingAdd($0, $1.size.bytes?.rawValue ?? 0) }))
                mapped.add(["pool": p, "device": otherDevice], .integer(rest.reduce(0) { saturatingAdd($0, $1.status?.mapped?.bytes?.rawValue ?? 0) }))
            }
            let owner = s.owner
            poolInfo.add(["pool": p, "owner": owner?.kind.rawValue ?? "other", "vg": owner?.lvm?.vg ?? "", "lv": owner?.lvm?.lv ?? ""], 1)
            if let a = owner?.lvmAutoextend {
                lvmMonitored.add(["pool": p], SampleValue(a.monitored))
                lvmThreshold.add(["pool": p], .double(a.threshold >= 100 ? 1 : Double(a.effectiveThreshold) / 100))
                lvmStep.add(["pool": p], .double(Double(a.percent) / 100))
            }
            if let vg = owner?.lvm?.vg, seenVGs.insert(vg).inserted {
                if let b = owner?.volumeGroupSize { vgSize.add(["vg": vg], .integer(b)) }
                if let b = owner?.volumeGroupFree { vgFree.add(["vg": vg], .integer(b)) }
            }
            if let d = owner?.docker {
                for t in d.devices {
                    dockerDevices.add(["pool": p, "kind": t.kind.rawValue, "state": t.state.rawValue], .integer(UInt64(t.count)))
                    dockerBytes.add(["pool": p, "kind": t.kind.rawValue, "state": t.state.rawValue], .integer(t.virtualBytes))
                }
                dockerSkipped.add(["pool": p], .integer(UInt64(d.skippedFiles)))
                if let b = d.baseDeviceSize { dockerBase.add(["pool": p], .integer(b)) }
            }
            if owner?.kind == .containerd {
                if let tallies = owner?.containerdSnapshots {
                    for t in tallies {
                        snapshots.add(["pool": p, "kind": t.kind, "state": t.active ? "active" : "inactive"], .integer(UInt64(t.count)))
                    }
                } else {
                    let active = s.thinVolumes.filter { $0.owner?.kind == .containerdSnapshot }.count
                    snapshots.add(["pool": p, "kind": "unknown", "state": "active"], .integer(UInt64(active)))
                }
            }
            virtual.add(["pool": p], .integer(promised))
        }
        return [devices, poolUp, mode, dataUsed, dataSize, dataAvail, metaUsed, metaSize, metaAvail, blockSize,
                minFree, refuses, lwm, atLwm, metaLwm, needsCheck, policy, discard, held, txid, events, volumes,
                virtual, mapped, thinSize, thinInfo, summed, poolInfo, dockerDevices, dockerBytes, dockerBase, dockerSkipped, snapshots,
                vgSize, vgFree, lvmMonitored, lvmThreshold, lvmStep]
    }

    /// The `limit` volumes using the most space (mapped bytes, then virtual size, then name) and
    /// the rest; all of them, in name order, when there is no limit or they fit.
    static func capped(_ volumes: [ThinVolume], limit: Int?) -> (shown: [ThinVolume], rest: [ThinVolume]) {
        guard let limit, volumes.count > limit else { return (volumes, []) }
        let ranked = volumes.sorted { a, b in
            let ma = a.status?.mapped?.rawValue ?? 0, mb = b.status?.mapped?.rawValue ?? 0
            if ma != mb { return ma > mb }
            if a.size != b.size { return a.size.rawValue > b.size.rawValue }
            return a.name < b.name
        }
        return (ranked.prefix(limit).sorted { $0.name < $1.name }, Array(ranked.dropFirst(limit)))
    }

    static func saturatingAdd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (r, o) = a.addingReportingOverflow(b)
        return o ? .max : r
    }
}
