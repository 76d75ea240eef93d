import ThinPoolCore

/// Everything known about what uses the pools, at one moment.
public struct WorkloadInventory: Sendable, Equatable {
    public var docker: DockerInventory?
    public var containerd: ContainerdDevmapperConfig?
    /// containerd's snapshots by id, when its metadata could be read.
    public var containerdSnapshots: [String: ContainerdSnapshot]?
    /// By VG name.
    public var volumeGroups: [String: VolumeGroupSpace]
    /// What LVM itself does for its thin pools, by pool LV.
    public var lvmAutoextend: [LVMName: LVMAutoextend] = [:]
    /// LVM's thin LVs that are not active, by pool LV.
    public var lvmInactiveThin: [LVMName: InactiveThinVolumes] = [:]

    public init(
        docker: DockerInventory? = nil, containerd: ContainerdDevmapperConfig? = nil,
        containerdSnapshots: [String: ContainerdSnapshot]? = nil,
        volumeGroups: [String: VolumeGroupSpace] = [:]
    ) {
        self.docker = docker
        self.containerd = containerd
        self.containerdSnapshots = containerdSnapshots
        self.volumeGroups = volumeGroups
    }
}

/// Names pools and thin volumes from an inventory. Pure: snapshots and an inventory in,
/// owners out.
///
/// - docker's pool: named as dockerd names it (dm.thinpooldev, an LVM pool's `-tpool`
///   target, or `<prefix>-pool` with the prefix from <root>/devicemapper), or -- when the root
///   was moved or copied, so the prefix no longer matches -- a `docker-M:m-I-pool` holding a
///   thin device whose name carries a hash docker's metadata lists with the same device id.
///   Its thin volumes `docker-M:m-I-<hash>` are named from the layer store.
/// - containerd's pool: `pool_name` (or its `-tpool` target); volumes `<pool>-snap-<id>`.
/// - LVM: a dm uuid `LVM-...` and a name VG-LV (the pool's thin-pool target is VG-LV-tpool).
public enum WorkloadResolver {
    public static func annotate(_ pools: inout [ThinPool], _ inventory: WorkloadInventory) {
        for i in pools.indices { annotate(&pools[i], inventory) }
    }

    /// Names one pool (and its thin volumes, when it has them). `knownDocker` says a previous
    /// full read recognised it as docker's.
    public static func annotate(_ pool: inout ThinPool, _ inventory: WorkloadInventory, knownDocker: Bool = false) {
        let lvm = lvmName(pool)
        var owner: PoolOwner?
        if let lvm {
            owner = PoolOwner(kind: .lvm, lvm: lvm)
            if let vg = inventory.volumeGroups[lvm.vg] {
                owner?.volumeGroupSize = vg.size
                owner?.volumeGroupFree = vg.free
            }
            owner?.lvmAutoextend = inventory.lvmAutoextend[lvm]
            owner?.lvmInactiveThin = inventory.lvmInactiveThin[lvm]
        }
        for i in pool.thinVolumes.indices { pool.thinVolumes[i].owner = lvmVolume(pool.thinVolumes[i]) }

        if let docker = inventory.docker, knownDocker || isDockerPool(pool, docker) {
            var o = owner ?? PoolOwner(kind: .docker)
            o.kind = .docker
            o.docker = dockerPool(&pool, docker)
            owner = o
        } else if let c = inventory.containerd, pool.name == c.poolName || pool.name == c.poolName + "-tpool" {
            var o = owner ?? PoolOwner(kind: .containerd)
            o.kind = .containerd
            owner = o
            var active: Set<String> = []
            for i in pool.thinVolumes.indices {
                if let id = c.snapshotID(deviceName: pool.thinVolumes[i].name) {
                    let snap = inventory.containerdSnapshots?[id]
                    pool.thinVolumes[i].owner = VolumeOwner(
                        kind: .containerdSnapshot, containerID: snap?.container, layer: id,
                        snapshotKey: snap?.removed == true ? nil : snap?.key,
                        namespace: snap?.namespace, image: snap?.image)
                    active.insert(id)
                }
            }
            if let snaps = inventory.containerdSnapshots {
                var tallies: [SnapshotTally] = []
                for (id, snap) in snaps {
                    let isActive = active.contains(id)
                    let bytes = snap.size ?? 0
                    // Removed from containerd, not yet from the pool: counted apart from what ctr lists.
                    let kind = snap.removed ? "removed" : snap.kind.rawValue
                    if let t = tallies.firstIndex(where: { $0.kind == kind && $0.active == isActive }) {
                        tallies[t].count += 1
                        tallies[t].virtualBytes = tallies[t].virtualBytes.saturatingAdding(bytes)
                    } else {
                        tallies.append(SnapshotTally(kind: kind, active: isActive, count: 1, virtualBytes: bytes))
                    }
                }
                owner?.containerdSnapshots = tallies.sorted { ($0.kind, $0.active ? 0 : 1) < ($1.kind, $1.active ? 0 : 1) }
            }
        }
        pool.owner = owner
    }

    /// The LV of an LVM thin pool: its uuid says LVM, its name VG-LV or VG-LV-tpool.
    public static func lvmName(_ pool: ThinPool) -> LVMName? {
        guard pool.uuid?.hasPrefix("LVM-") == true, var n = LVMName(dmName: pool.name), n.layer == nil || n.layer == "tpool" else {
            return nil
        }
        n.layer = nil
        return n
    }

    static func lvmVolume(_ v: ThinVolume) -> VolumeOwner? {
        guard v.uuid?.hasPrefix("LVM-") == true, let n = LVMName(dmName: v.name), n.layer == nil else { return nil }
        return VolumeOwner(kind: .lvm, lvm: n)
    }

    static func isDockerPool(_ pool: ThinPool, _ docker: DockerInventory) -> Bool {
        if docker.poolNames.contains(pool.name) { return true }
        guard docker.thinPoolDevice == nil, let own = dockerName(pool.name), own.hash == "pool" else { return false }
        return pool.thinVolumes.contains { v in
            guard let n = dockerName(v.name), n.prefix == own.prefix, let id = v.table?.deviceId else { return false }
            return docker.devices[String(n.hash)]?.deviceID == id
        }
    }

    /// Names the thin volumes of docker's pool and tallies docker's devices.
    static func dockerPool(_ pool: inout ThinPool, _ docker: DockerInventory) -> DockerPool {
        var active: Set<String> = []
        var tallies: [DeviceTally] = []
        func count(_ kind: VolumeOwner.Kind, _ state: DeviceTally.State, _ bytes: UInt64) {
            if let i = tallies.firstIndex(where: { $0.kind == kind && $0.state == state }) {
                tallies[i].count += 1
                tallies[i].virtualBytes = tallies[i].virtualBytes.saturatingAdding(bytes)
            } else {
                tallies.append(DeviceTally(kind: kind, state: state, count: 1, virtualBytes: bytes))
            }
        }
        for i in pool.thinVolumes.indices {
            let v = pool.thinVolumes[i]
            guard let n = dockerName(v.name) else { continue }
            let hash = String(n.hash)
            let known = docker.devices[hash] != nil || docker.layers[hash] != nil
            guard known || docker.devicePrefix.map({ $0 == n.prefix }) == true || pool.name == n.prefix + "-pool" else { continue }
            let owner = docker.owner(hash: hash)
            pool.thinVolumes[i].owner = owner
            active.insert(hash)
            // Marked deleted, its dm device still held open: docker counts it as deleted.
            count(owner.kind, docker.devices[hash]?.deleted == true ? .deleted : .active, v.size.bytes?.rawValue ?? 0)
        }
        for (hash, device) in docker.devices where !active.contains(hash) {
            count(docker.owner(hash: hash).kind, device.deleted ? .deleted : .inactive, device.size)
        }
        tallies.sort { ($0.kind.rawValue, $0.state.rawValue) < ($1.kind.rawValue, $1.state.rawValue) }
        let settings = docker.settings
        var result = DockerPool(
            root: docker.root, minFreeSpacePercent: docker.minFreeSpacePercent,
            baseDeviceSize: docker.devices["base"]?.size, baseFilesystem: docker.baseFilesystem,
            devices: tallies, skippedFiles: docker.skipped.count, thinPoolDevice: settings.thinPoolDevice,
            deferredRemoval: settings.deferredRemoval, deferredDeletion: settings.deferredDeletion)
        result.dialect = docker.dialect
        // docker info's Data file and Data loop file, as docker finds them: dm.datadev as given;
        // else, without dm.thinpooldev, the loop device behind the pool when its file is
        // docker's own <root>/devicemapper/devicemapper/data (loadThinPoolLoopBackInfo).
        if settings.thinPoolDevice == nil {
            if let d = settings.dataDevice {
                result.dataFile = d
            } else if let b = pool.dataBacking, let f = docker.dataLoopFile, b.file == f {
                result.dataFile = b.device
                result.dataLoopFile = docker.dataLoopPath
            }
            if let d = settings.metadataDevice {
                result.metadataFile = d
            } else if let b = pool.metadataBacking, let f = docker.metadataLoopFile, b.file == f {
                result.metadataFile = b.device
                result.metadataLoopFile = docker.metadataLoopPath
            }
        }
        return result
    }

    /// "docker-8:1-1234-<hash>" -> ("docker-8:1-1234", "<hash>").
    static func dockerName(_ name: String) -> (prefix: Substring, hash: Substring)? {
        guard name.hasPrefix("docker-") else { return nil }
        let u = name.utf8
        var i = u.index(u.startIndex, offsetBy: 7)
        func digits(until stop: UInt8) -> Bool {
            let start = i
            while i < u.endIndex, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(u[i]) { i = u.index(after: i) }
            guard i != start, i < u.endIndex, u[i] == stop else { return false }
            i = u.index(after: i)
            return true
        }
        guard digits(until: UInt8(ascii: ":")), digits(until: UInt8(ascii: "-")), digits(until: UInt8(ascii: "-")),
            i < u.endIndex
        else { return nil }
        let hashStart = String.Index(i, within: name)!
        return (name[name.startIndex..<name.index(before: hashStart)], name[hashStart...])
    }
}
