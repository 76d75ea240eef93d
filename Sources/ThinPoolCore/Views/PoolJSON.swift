/// The JSON form of pools shared by `status --json` and the HTTP API: `{"pools": [...]}`.
public enum PoolJSON {
    public static func report(_ report: HostReading) -> JSONValue {
        .object(["pools": .array(report.pools.map { pool($0, versions: report.versions) })])
    }

    public static func pool(_ r: PoolReading, versions: DeviceMapperVersions = DeviceMapperVersions()) -> JSONValue {
        let s = r.pool
        let c = r.capacity
        // Docker's figures only where docker may use the pool.
        let docker = r.dockerMayUse ? c : nil
        let w = s?.status.working
        var members: [JSONMember] = [
            JSONMember("name", .string(r.name)),
            JSONMember("uuid", .optional(s?.uuid) { .string($0) }),
            JSONMember("device", .optional(s?.number) { .string($0.description) }),
            JSONMember("event_nr", .optional(s?.eventNumber) { .uint(UInt64($0)) }),
            JSONMember("mode", .optional(s?.mode) { .string($0.rawValue) }),
            JSONMember("suspended", .optional(s?.suspended) { .bool($0) }),
            JSONMember("no_space_policy", .optional(s?.noSpacePolicy) { .string($0.rawValue) }),
            JSONMember("needs_check", .optional(s?.needsCheck) { .bool($0) }),
            JSONMember("discard", .optional(w?.discard) { .string($0.rawValue) }),
            JSONMember("transaction_id", .optional(w?.transactionId) { .uint($0) }),
            JSONMember("held_metadata_root", .optional(w?.heldMetadataRoot) { .uint($0) }),
            JSONMember("block_size_bytes", .optional(s?.table.blockSize.bytes) { .uint($0.rawValue) }),
            JSONMember("length_bytes", .optional(s?.length.bytes) { .uint($0.rawValue) }),
            JSONMember("data", space(c?.data, device: s?.table.dataDevice, backing: s?.dataBacking)),
            JSONMember("metadata", space(c?.metadata, device: s?.table.metadataDevice, backing: s?.metadataBacking)),
            JSONMember("min_free_space_percent", .uint(r.minFreeSpacePercent)),
            JSONMember("min_free_space_bytes", .optional(docker) { .uint($0.minFreeSpace.rawValue) }),
            JSONMember(
                "docker_would_refuse",
                .optional(docker) { c in
                    .object(["data": .bool(c.dockerRefusesData), "metadata": .bool(c.dockerRefusesMetadata)])
                }),
            JSONMember("docker_refusal", .optional(docker?.dockerRefusal) { .string($0) }),
            JSONMember("low_water_mark_blocks", .optional(s?.table.lowWaterMark) { .uint($0.rawValue) }),
            JSONMember(
                "low_water_mark_bytes",
                .optional(c?.lowWaterMark ?? s.flatMap { $0.table.lowWaterMark.bytes(blockSize: $0.table.blockSize) }) {
                    .uint($0.rawValue)
                }),
            JSONMember("at_low_water_mark", .optional(c) { .bool($0.atLowWaterMark) }),
            JSONMember("metadata_low_watermark_blocks", .optional(w?.metadataLowWatermark) { .uint($0.rawValue) }),
            JSONMember("metadata_low_watermark_bytes", .optional(c?.metadataLowWatermark) { .uint($0.rawValue) }),
            JSONMember("features", .optional(s?.table.features) { .array($0.map { .string($0.rawValue) }) }),
            JSONMember("owner", .optional(s?.owner) { owner($0, driverStatus: DockerDriverStatus.pairs(r, versions: versions)) }),
            JSONMember("lvm", .optional(s?.owner?.lvm) { _ in lvm(r) }),
            JSONMember("thin_volumes", .array((s?.thinVolumes ?? []).map { volume($0, chunk: s?.table.blockSize) })),
            JSONMember("error", .optional(r.error) { .string($0.description) }),
        ]
        if let sp = s?.space, let at = members.firstIndex(where: { $0.key == "thin_volumes" }) {
            members.insert(
                JSONMember(
                    "space_scan",
                    .object([
                        "scanned_at": .double(sp.scannedAt),
                        "snapshot_skipped": .optional(sp.snapshotSkipped) { .string($0) },
                        "reclaimable_bytes": .uint(sp.reclaimableBytes),
                        "data_file_allocated_bytes": .optional(sp.dataFileAllocatedBytes) { .uint($0) },
                    ])), at: at)
        }
        // Only when some device of the pool is stuck (suspended, inactive table, deferred
        // removal, failed): before the thin volumes.
        if let stuck = s?.stuck, !stuck.isEmpty, let at = members.firstIndex(where: { $0.key == "thin_volumes" }) {
            members.insert(
                JSONMember(
                    "stuck_devices",
                    .array(
                        stuck.map { d in
                            .object([
                                "device": .string(d.device), "state": .string(d.state.rawValue),
                                "since": .optional(d.since) { .double($0) },
                            ])
                        })), at: at)
        }
        guard let o = s?.outOfSpace else { return .object(members) }
        // Only for a pool out of data space that queues writes, read by the agent.
        let countdown = JSONMember(
            "out_of_space",
            .object([
                "since": .double(o.since),
                "no_space_timeout_seconds": .optional(o.timeoutSeconds) { .uint($0) },
                "queued_writes_fail_at": .optional(o.deadline) { .double($0) },
                "writers": .array(
                    o.writers.map { w in
                        .object([
                            "device": .string(w.device), "used_by": .optional(w.owner) { .string($0.displayName) },
                            "writes_in_flight": .uint(w.writes), "blocked_processes": .array(w.processes.map { .string($0) }),
                        ])
                    }),
            ]))
        let at = members.firstIndex { $0.key == "no_space_policy" }.map { $0 + 1 } ?? members.count
        return .object(Array(members[..<at]) + [countdown] + Array(members[at...]))
    }

    static func space(_ space: Space?, device: DeviceRef?, backing: LoopBacking?) -> JSONValue {
        var members: [JSONMember] = [
            JSONMember("device", .optional(device) { .string($0.description) }),
            JSONMember("backing_file", .optional(backing) { .string($0.path) }),
            JSONMember("loop_device", .optional(backing?.device) { .string($0) }),
        ]
        guard let space else {
            return .object(
                members
                    + ["used_blocks", "total_blocks", "used_bytes", "total_bytes", "available_bytes", "used_ratio"]
                    .map { JSONMember($0, .null) })
        }
        members += [
            JSONMember("used_blocks", .uint(space.usedBlocks)),
            JSONMember("total_blocks", .uint(space.totalBlocks)),
            JSONMember("used_bytes", .uint(space.used.rawValue)),
            JSONMember("total_bytes", .uint(space.total.rawValue)),
            JSONMember("available_bytes", .uint(space.available.rawValue)),
            JSONMember("used_ratio", .double(space.usedRatio)),
        ]
        return .object(members)
    }

    static func owner(_ o: PoolOwner, driverStatus: [(String, String)]?) -> JSONValue {
        .object([
            "kind": .string(o.kind.rawValue),
            "vg": .optional(o.lvm?.vg) { .string($0) },
            "lv": .optional(o.lvm?.lv) { .string($0) },
            "vg_size_bytes": .optional(o.volumeGroupSize) { .uint($0) },
            "vg_free_bytes": .optional(o.volumeGroupFree) { .uint($0) },
            "containerd_snapshots": .optional(o.containerdSnapshots) { tallies in
                .array(
                    tallies.map { t in
                        .object([
                            "kind": .string(t.kind), "state": .string(t.active ? "active" : "inactive"), "count": .uint(UInt64(t.count)),
                            "virtual_bytes": .uint(t.virtualBytes),
                        ])
                    })
            },
            "docker": .optional(o.docker) { d in
                .object([
                    "root": .string(d.root),
                    "min_free_space_percent": .optional(d.minFreeSpacePercent) { .uint($0) },
                    "base_device_size_bytes": .optional(d.baseDeviceSize) { .uint($0) },
                    "base_filesystem": .optional(d.baseFilesystem) { .string($0) },
                    "devices": .array(
                        d.devices.map { t in
                            .object([
                                "kind": .string(t.kind.rawValue), "state": .string(t.state.rawValue), "count": .uint(UInt64(t.count)),
                                "virtual_bytes": .uint(t.virtualBytes),
                            ])
                        }),
                    "deferred_deleted": .uint(UInt64(d.deferredDeleted)),
                    "skipped_files": .uint(UInt64(d.skippedFiles)),
                    "thin_pool_device": .optional(d.thinPoolDevice) { .string($0) },
                    "deferred_removal": .optional(d.deferredRemoval) { .bool($0) },
                    "deferred_deletion": .optional(d.deferredDeletion) { .bool($0) },
                    "data_file": .optional(d.dataFile) { .string($0) },
                    "metadata_file": .optional(d.metadataFile) { .string($0) },
                    "data_loop_file": .optional(d.dataLoopFile) { .string($0) },
                    "metadata_loop_file": .optional(d.metadataLoopFile) { .string($0) },
                    "dialect": dialect(d.dialect),
                    // docker info --format '{{json .DriverStatus}}'
                    "driver_status": .optional(driverStatus) { .array($0.map { .array([.string($0.0), .string($0.1)]) }) },
                ])
            },
        ])
    }

    /// Which docker's words the driver status is in, and why.
    static func dialect(_ d: DockerDialect) -> JSONValue {
        let source: (String, String?) =
            switch d.source {
            case .flag: ("flag", nil)
            case .config: ("config", nil)
            case .socket(let s): ("socket", s)
            case .unknown: ("unknown", nil)
            }
        var reason: String? = nil
        if case .unknown(let why) = d.source { reason = why }
        return .object([
            "version": .optional(d.version) { .string($0.text) },
            "source": .string(source.0),
            "socket": .optional(source.1) { .string($0) },
            "reason": .optional(reason) { .string($0) },
            "spaced_units": .bool(d.spacedUnits),
            "first_order": .bool(d.firstOrder),
        ])
    }

    static func volumeOwner(_ o: VolumeOwner) -> JSONValue {
        .object([
            "kind": .string(o.kind.rawValue),
            "container_id": .optional(o.containerID) { .string($0) },
            "container_name": .optional(o.containerName) { .string($0) },
            "layer": .optional(o.layer) { .string($0) },
            "snapshot_key": .optional(o.snapshotKey) { .string($0) },
            "namespace": .optional(o.namespace) { .string($0) },
            "image": .optional(o.image) { .string($0) },
            "vg": .optional(o.lvm?.vg) { .string($0) },
            "lv": .optional(o.lvm?.lv) { .string($0) },
        ])
    }

    /// What `lvs` shows for an LVM thin pool, as LVM computes it (``LVMReport``).
    static func lvm(_ r: PoolReading) -> JSONValue {
        let s = r.pool!
        let w = s.status.working
        let a = s.owner?.lvmAutoextend
        return .object([
            "data_percent": .string(w.map { LVMReport.percent($0.usedData.rawValue, $0.totalData.rawValue) } ?? ""),
            "metadata_percent": .string(w.map { LVMReport.percent($0.usedMetadata.rawValue, $0.totalMetadata.rawValue) } ?? ""),
            "lv_size_bytes": .optional(s.length.bytes) { .uint($0.rawValue) },
            "lv_metadata_size_bytes": .optional(r.capacity?.metadata.total) { .uint($0.rawValue) },
            "health_status": .string(LVMReport.health(s.status)),
            "when_full": .string(LVMReport.whenFull(s.table)),
            "autoextend": .optional(a) { a in
                .object([
                    "monitored": .bool(a.monitored),
                    "threshold_percent": .uint(UInt64(max(0, a.threshold))),
                    "percent": .uint(UInt64(max(0, a.percent))),
                    "profile": .optional(a.profile) { .string($0) },
                    "extends_itself": .bool(a.extendsItself),
                ])
            },
            "refuses_new_volumes": .optional(s.lvmRefusal) { l in
                .object(["data": .optional(l.data) { .string($0) }, "metadata": .optional(l.metadata) { .string($0) }])
            },
        ])
    }

    static func volume(_ v: ThinVolume, chunk: Sectors?) -> JSONValue {
        let mappedBytes = v.status?.mapped?.bytes
        var highest: Sectors?
        if case .active(_, let h)? = v.status { highest = h }
        let state: String? = v.status.map {
            switch $0 {
            case .active: return "active"
            case .inactive: return "inactive"
            case .fail: return "fail"
            case .error: return "error"
            }
        }
        let pairs: KeyValuePairs<String, JSONValue> = [
            "name": .string(v.name),
            "uuid": .optional(v.uuid) { .string($0) },
            "device": .optional(v.number) { .string($0.description) },
            "device_id": .optional(v.table?.deviceId) { .uint(UInt64($0)) },
            "size_bytes": .optional(v.size.bytes) { .uint($0.rawValue) },
            "mapped_bytes": .optional(mappedBytes) { .uint($0.rawValue) },
            "highest_mapped_sector": .optional(highest) { .uint($0.rawValue) },
            "status": .optional(state) { .string($0) },
            "owner": .optional(v.owner, volumeOwner),
            // lvs's data_percent and lv_size of an LVM thin LV.
            "lvm": .optional(v.owner?.lvm) { _ in
                .object([
                    "data_percent": .string(
                        v.status?.mapped.flatMap { m in chunk.map { LVMReport.thinPercent(mapped: m, size: v.size, chunk: $0) } } ?? ""),
                    "lv_size_bytes": .optional(v.size.bytes) { .uint($0.rawValue) },
                ])
            },
            "error": .optional(v.statusError) { .string($0) },
        ]
        var members = pairs.map { JSONMember($0.key, $0.value) }
        // Only where the agent's space scan said something about it.
        if let sp = v.space {
            members.insert(
                JSONMember(
                    "space",
                    .object([
                        "exclusive_bytes": .optional(sp.exclusiveBytes) { .uint($0) },
                        "shared_bytes": .optional(sp.sharedBytes) { .uint($0) },
                        "mount_point": .optional(sp.mountPoint) { .string($0) },
                        "reclaimable_bytes": .optional(sp.reclaimableBytes) { .uint($0) },
                        "reclaimable_is_estimate": .bool(sp.reclaimableIsEstimate),
                        "reclaim_blocked": .optional(sp.reclaimBlocked) { .string($0) },
                    ])), at: members.count - 1)
        }
        return .object(members)
    }
}
