/// What uses a thin volume, when it can be told.
public struct VolumeOwner: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// A docker container's writable layer.
        case dockerContainer = "container"
        /// A docker container's init layer (`<mount-id>-init`).
        case dockerInit = "init"
        /// A docker image layer.
        case dockerImageLayer = "image"
        /// docker's base device.
        case dockerBase = "base"
        /// A docker device the layer store does not name.
        case dockerDevice = "docker"
        /// An LVM thin logical volume.
        case lvm
        /// A containerd devmapper snapshot.
        case containerdSnapshot = "snapshot"
    }

    public var kind: Kind
    public var containerID: String?
    public var containerName: String?
    /// docker's device hash (a layer's cache id, a container's mount id), or containerd's
    /// snapshot id.
    public var layer: String?
    public var lvm: LVMName?

    public init(kind: Kind, containerID: String? = nil, containerName: String? = nil, layer: String? = nil, lvm: LVMName? = nil) {
        self.kind = kind
        self.containerID = containerID
        self.containerName = containerName
        self.layer = layer
        self.lvm = lvm
    }

    /// A short human name: "container web (3f2a1b9c0d1e)", "image layer 9d1c2e..", "LV vg/lv".
    public var displayName: String {
        func short(_ id: String) -> String { String(id.prefix(12)) }
        switch kind {
        case .dockerContainer, .dockerInit:
            let what = kind == .dockerInit ? "init layer of container" : "container"
            if let n = containerName, let id = containerID { return "\(what) \(n) (\(short(id)))" }
            return "\(what) \(containerID.map(short) ?? "?")"
        case .dockerImageLayer: return "image layer \(layer.map(short) ?? "?")"
        case .dockerBase: return "docker base device"
        case .dockerDevice: return "docker device \(layer.map(short) ?? "?")"
        case .lvm: return "LV \(lvm?.description ?? "?")"
        case .containerdSnapshot: return "containerd snapshot \(layer ?? "?")"
        }
    }
}

/// Who owns a pool.
public struct PoolOwner: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable, CaseIterable { case docker, containerd, lvm }

    public var kind: Kind
    /// The LV when the pool is an LVM thin pool (also for docker direct-lvm).
    public var lvm: LVMName?
    /// The LV's volume group: size and free space (the headroom lvextend can use), when `lvm
    /// vgs` could be read.
    public var volumeGroupSize: UInt64?
    public var volumeGroupFree: UInt64?
    public var docker: DockerPool?

    public init(kind: Kind, lvm: LVMName? = nil, docker: DockerPool? = nil) {
        self.kind = kind
        self.lvm = lvm
        self.docker = docker
    }
}

/// What docker's metadata and settings say about its pool.
public struct DockerPool: Hashable, Sendable {
    /// The data root (/var/lib/docker).
    public var root: String
    /// daemon.json's dm.min_free_space, when it sets one.
    public var minFreeSpacePercent: UInt64?
    /// daemon.json's dm.thinpooldev (without /dev/mapper/): docker's Pool Name.
    public var thinPoolDevice: String?
    /// daemon.json's dm.use_deferred_removal / dm.use_deferred_deletion; nil: docker's default
    /// (on when the kernel supports deferred removal).
    public var deferredRemoval: Bool?
    public var deferredDeletion: Bool?
    /// docker info's Data file / Metadata file: the loop device docker attached to its loop
    /// file ("/dev/loop0"), or dm.datadev / dm.metadatadev; nil when docker shows none
    /// (dm.thinpooldev).
    public var dataFile: String?
    public var metadataFile: String?
    /// docker info's Data loop file / Metadata loop file: <root>/devicemapper/devicemapper/data
    /// when that file is the one behind the pool's data device (docker's own test).
    public var dataLoopFile: String?
    public var metadataLoopFile: String?
    /// The base device's virtual size (docker info's Base Device Size).
    public var baseDeviceSize: UInt64?
    /// deviceset-metadata's BaseDeviceFilesystem (docker info's Backing Filesystem).
    public var baseFilesystem: String?
    /// docker's devices by kind and state.
    public var devices: [DeviceTally]
    /// Metadata files that were skipped (half-written, malformed).
    public var skippedFiles: Int

    public init(root: String, minFreeSpacePercent: UInt64? = nil, baseDeviceSize: UInt64? = nil, baseFilesystem: String? = nil,
                devices: [DeviceTally] = [], skippedFiles: Int = 0, thinPoolDevice: String? = nil,
                deferredRemoval: Bool? = nil, deferredDeletion: Bool? = nil, dataFile: String? = nil, metadataFile: String? = nil,
                dataLoopFile: String? = nil, metadataLoopFile: String? = nil) {
        self.root = root
        self.minFreeSpacePercent = minFreeSpacePercent
        self.thinPoolDevice = thinPoolDevice
        self.deferredRemoval = deferredRemoval
        self.deferredDeletion = deferredDeletion
        self.dataFile = dataFile
        self.metadataFile = metadataFile
        self.dataLoopFile = dataLoopFile
        self.metadataLoopFile = metadataLoopFile
        self.baseDeviceSize = baseDeviceSize
        self.baseFilesystem = baseFilesystem
        self.devices = devices
        self.skippedFiles = skippedFiles
    }

    /// Devices marked for deferred deletion (docker info's Deferred Deleted Device Count).
    public var deferredDeleted: Int { devices.filter { $0.state == .deleted }.reduce(0) { $0 + $1.count } }
}

/// How many devices of one kind are in one state, and their virtual sizes summed.
public struct DeviceTally: Hashable, Sendable {
    public enum State: String, Hashable, Sendable, CaseIterable {
        /// Has a dm device now (a running container, a mounted layer).
        case active
        /// Exists in the pool without a dm device (a stopped container, an image layer).
        case inactive
        /// Marked for deferred deletion (docker's metadata says deleted), whether or not its dm
        /// device is still there (held open).
        case deleted
    }

    public var kind: VolumeOwner.Kind
    public var state: State
    public var count: Int
    public var virtualBytes: UInt64

    public init(kind: VolumeOwner.Kind, state: State, count: Int, virtualBytes: UInt64) {
        self.kind = kind
        self.state = state
        self.count = count
        self.virtualBytes = virtualBytes
    }
}

/// Names pools and thin volumes by what uses them (docker, containerd, LVM). PoolReader calls
/// it on every read, before capacity is computed (docker's dm.min_free_space depends on it).
public protocol PoolAnnotator: Sendable {
    /// Every pool, with its thin volumes (a full read).
    func annotate(_ pools: inout [PoolSnapshot])
    /// One pool without its thin volumes (the fast path): the owner the last full read found.
    func annotate(pool: inout PoolSnapshot)
}
