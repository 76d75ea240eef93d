import ThinPoolCore

/// docker's devices in its pool by kind and state, its base device and the metadata files it
/// skipped; containerd's snapshots as `ctr snapshots ls` counts them.
struct WorkloadMetrics: PoolMetricGroup {
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
        labels: ["pool"])
    static let dockerSkipped = MetricDescriptor(
        "thinpool_docker_metadata_skipped_files", .gauge,
        help: "Files in docker's metadata and layer store that were skipped: half-written (.tmp*) or malformed. The log names them.",
        labels: ["pool"])
    static let snapshots = MetricDescriptor(
        "thinpool_containerd_snapshots", .gauge,
        help:
            "Snapshots of containerd's devmapper snapshotter in its pool, as `ctr snapshots ls` counts them, by kind (active, committed, view; removed: gone from containerd's metadata, its device not yet cleaned up by the snapshotter, which ctr does not list; unknown when containerd's metadata cannot be read) and state (active: its thin device <pool_name>-snap-<id> exists; inactive: only in the pool's metadata).",
        labels: ["pool", "kind", "state"])

    static let descriptors = [dockerDevices, dockerBytes, dockerBase, dockerSkipped, snapshots]

    init(maxThinSeries: Int?) {}

    mutating func add(_ r: PoolReading, _ s: ThinPool?, to f: inout PoolFamilies) {
        guard let s, let owner = s.owner else { return }
        let p = r.name
        if let d = owner.docker {
            for t in d.devices {
                f.add(Self.dockerDevices, [p, t.kind.rawValue, t.state.rawValue], .integer(UInt64(t.count)))
                f.add(Self.dockerBytes, [p, t.kind.rawValue, t.state.rawValue], .integer(t.virtualBytes))
            }
            f.add(Self.dockerSkipped, [p], .integer(UInt64(d.skippedFiles)))
            if let b = d.baseDeviceSize { f.add(Self.dockerBase, [p], .integer(b)) }
        }
        guard owner.kind == .containerd else { return }
        if let tallies = owner.containerdSnapshots {
            for t in tallies { f.add(Self.snapshots, [p, t.kind, t.active ? "active" : "inactive"], .integer(UInt64(t.count))) }
        } else {
            let active = s.thinVolumes.filter { $0.owner?.kind == .containerdSnapshot }.count
            f.add(Self.snapshots, [p, "unknown", "active"], .integer(UInt64(active)))
        }
    }
}
