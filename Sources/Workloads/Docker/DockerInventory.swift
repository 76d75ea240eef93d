import ThinPoolCore

/// What docker's devicemapper driver keeps on disk, read from its data root: the thin devices
/// it created, and what the layer store and the containers say each one is.
public struct DockerInventory: Sendable, Equatable {
    /// The data root (e.g. /var/lib/docker).
    public var root: String
    /// "docker-<major>:<minor>-<inode>" of <root>/devicemapper, as dockerd derives it; nil when
    /// that directory cannot be stat'ed.
    public var devicePrefix: String?
    /// daemon.json's settings (dm.thinpooldev, dm.min_free_space, deferred removal, ...).
    public var settings: DockerDaemonConfig
    /// daemon.json's dm.thinpooldev, when docker uses a pool it did not create.
    public var thinPoolDevice: String? { settings.thinPoolDevice }
    /// daemon.json's dm.min_free_space.
    public var minFreeSpacePercent: UInt64? { settings.minFreeSpacePercent }
    /// The identity of <root>/devicemapper/devicemapper/data and .../metadata (docker's loop
    /// files), when they exist.
    public var dataLoopFile: FileID?
    public var metadataLoopFile: FileID?
    /// deviceset-metadata's BaseDeviceFilesystem.
    public var baseFilesystem: String?
    /// Devices by hash ("base" for the base device), from devicemapper/metadata/.
    public var devices: [String: DockerDevice]
    /// What each layer (device hash) is, from the layer store.
    public var layers: [String: DockerLayer]
    /// Container names by id (without docker's leading "/").
    public var containerNames: [String: String]
    /// Files that were skipped, each with why (half-written, malformed).
    public var skipped: [SkippedFile]
    /// How the docker that owns this root words `docker info` (its version).
    public var dialect = DockerDialect.unknown("not asked")

    public init(
        root: String, devicePrefix: String? = nil, thinPoolDevice: String? = nil, minFreeSpacePercent: UInt64? = nil,
        baseFilesystem: String? = nil, devices: [String: DockerDevice] = [:], layers: [String: DockerLayer] = [:],
        containerNames: [String: String] = [:], skipped: [SkippedFile] = [], dataLoopFile: FileID? = nil,
        metadataLoopFile: FileID? = nil
    ) {
        self.root = root
        self.devicePrefix = devicePrefix
        self.settings = DockerDaemonConfig(minFreeSpacePercent: minFreeSpacePercent, thinPoolDevice: thinPoolDevice)
        self.dataLoopFile = dataLoopFile
        self.metadataLoopFile = metadataLoopFile
        self.baseFilesystem = baseFilesystem
        self.devices = devices
        self.layers = layers
        self.containerNames = containerNames
        self.skipped = skipped
    }

    /// docker's loop files: <root>/devicemapper/devicemapper/{data,metadata}.
    public var dataLoopPath: String { root + "/devicemapper/devicemapper/data" }
    public var metadataLoopPath: String { root + "/devicemapper/devicemapper/metadata" }

    /// The pool names docker would use: dm.thinpooldev (an LVM pool's thin-pool target is
    /// <name>-tpool), else <prefix>-pool.
    public var poolNames: [String] {
        if let t = thinPoolDevice { return [t, t + "-tpool"] }
        return devicePrefix.map { [$0 + "-pool"] } ?? []
    }

    /// The owner of the device with `hash`.
    public func owner(hash: String) -> VolumeOwner {
        if hash == "base" { return VolumeOwner(kind: .dockerBase, layer: hash) }
        switch layers[hash] {
        case .container(let id)?:
            return VolumeOwner(kind: .dockerContainer, containerID: id, containerName: containerNames[id], layer: hash)
        case .initLayer(let id)?:
            return VolumeOwner(kind: .dockerInit, containerID: id, containerName: containerNames[id], layer: hash)
        case .image?:
            return VolumeOwner(kind: .dockerImageLayer, layer: hash)
        case nil:
            return VolumeOwner(kind: .dockerDevice, layer: hash)
        }
    }
}

/// One file under devicemapper/metadata/: {"device_id", "size", "transaction_id",
/// "initialized", "deleted"}.
public struct DockerDevice: Sendable, Equatable {
    public var deviceID: UInt32
    /// Virtual size in bytes.
    public var size: UInt64
    public var transactionID: UInt64
    public var initialized: Bool
    /// Marked for deferred deletion: the thin device still exists in the pool.
    public var deleted: Bool

    public init(deviceID: UInt32, size: UInt64, transactionID: UInt64 = 0, initialized: Bool = true, deleted: Bool = false) {
        self.deviceID = deviceID
        self.size = size
        self.transactionID = transactionID
        self.initialized = initialized
        self.deleted = deleted
    }
}

/// What the layer store says a device hash is.
public enum DockerLayer: Sendable, Equatable {
    /// The writable layer of a container (layerdb/mounts/<id>/mount-id).
    case container(id: String)
    /// A container's init layer (layerdb/mounts/<id>/init-id).
    case initLayer(id: String)
    /// An image layer (layerdb/sha256/<chain id>/cache-id).
    case image
}

/// A file that was not used, and why.
public struct SkippedFile: Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}
