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
    /// containerd's snapshots in the pool, by kind and whether their device is active; nil
    /// when containerd's metadata could not be read.
    public var containerdSnapshots: [SnapshotTally]?
    /// What LVM itself does when the pool fills (dmeventd, autoextend policy); nil when not an
    /// LVM pool or LVM could not be asked.
    public var lvmAutoextend: LVMAutoextend?
    /// The pool's thin LVs that are not active (`lvm lvs`): they have no device-mapper device,
    /// so only LVM knows what they were promised. nil when not an LVM pool or LVM could not
    /// be asked.
    public var lvmInactiveThin: InactiveThinVolumes?

    public init(kind: Kind, lvm: LVMName? = nil, docker: DockerPool? = nil) {
        self.kind = kind
        self.lvm = lvm
        self.docker = docker
    }
}

/// Thin LVs of one pool that are not active, and the sum of their sizes.
public struct InactiveThinVolumes: Hashable, Sendable {
    public var count: Int
    public var virtualBytes: UInt64

    public init(count: Int = 0, virtualBytes: UInt64 = 0) {
        self.count = count
        self.virtualBytes = virtualBytes
    }
}

/// What LVM does by itself for a thin pool as it fills: dmeventd watches it (lvs seg_monitor)
/// and runs `lvm lvextend --use-policies` at each 5% step past 50%, which grows the pool by
/// `percent` once its usage passes `threshold` (activation/thin_pool_autoextend_threshold and
/// _percent from the pool's metadata profile, else the VG's, else lvm.conf; 100: off).
public struct LVMAutoextend: Hashable, Sendable {
    /// dmeventd monitors the pool now. False when dmeventd is not running or monitoring is off.
    public var monitored: Bool
    /// activation/thin_pool_autoextend_threshold as configured (LVM treats below 50 as 50).
    public var threshold: Int
    /// activation/thin_pool_autoextend_percent.
    public var percent: Int
    /// The metadata profile in effect (the LV's, else the VG's), if any.
    public var profile: String?

    public init(monitored: Bool, threshold: Int, percent: Int, profile: String? = nil) {
        self.monitored = monitored
        self.threshold = threshold
        self.percent = percent
        self.profile = profile
    }

    /// The threshold LVM applies.
    public var effectiveThreshold: Int { max(50, threshold) }
    /// LVM will extend the pool by itself when it fills.
    public var extendsItself: Bool { monitored && threshold < 100 && percent > 0 }

    /// "dmeventd extends it at 70% by 20% (profile docker-thinpool)", "not monitored: ...".
    public var description: String {
        let settings = "thin_pool_autoextend_threshold \(threshold), _percent \(percent)" + (profile.map { ", profile \($0)" } ?? "")
        if extendsItself { return "dmeventd extends it past \(effectiveThreshold)% by \(percent)% (\(settings))" }
        if !monitored { return "not monitored by dmeventd: LVM will not extend it (\(settings))" }
        return "monitored, but LVM autoextend is off (\(settings))"
    }
}

/// How many of containerd's snapshots of one kind (view, active, committed) have an active
/// thin device or not.
public struct SnapshotTally: Hashable, Sendable {
    public var kind: String
    public var active: Bool
    public var count: Int
    public var virtualBytes: UInt64

    public init(kind: String, active: Bool, count: Int, virtualBytes: UInt64) {
        self.kind = kind
        self.active = active
        self.count = count
        self.virtualBytes = virtualBytes
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
    /// How this docker words its `docker info` lines (by its version).
    public var dialect = DockerDialect.unknown("not asked")

    public init(
        root: String, minFreeSpacePercent: UInt64? = nil, baseDeviceSize: UInt64? = nil, baseFilesystem: String? = nil,
        devices: [DeviceTally] = [], skippedFiles: Int = 0, thinPoolDevice: String? = nil,
        deferredRemoval: Bool? = nil, deferredDeletion: Bool? = nil, dataFile: String? = nil, metadataFile: String? = nil,
        dataLoopFile: String? = nil, metadataLoopFile: String? = nil
    ) {
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

extension ThinPool {
    /// Docker's own figures -- its minimum free space, its refusal of new devices -- concern the
    /// pool: docker owns it, or no owner is known (a docker pool whose data root cannot be read
    /// looks like that). A pool LVM or containerd owns gets none of docker's words.
    public var dockerMayUse: Bool { owner.map { $0.kind == .docker } ?? true }
}

extension PoolReading {
    /// ``ThinPool/dockerMayUse``; true for a pool that could not be read.
    public var dockerMayUse: Bool { pool?.dockerMayUse ?? true }
}
