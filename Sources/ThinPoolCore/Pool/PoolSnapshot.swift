/// One thin pool at one moment: its device identity, table, status and the thin volumes that
/// use it. Built by ``PoolAssembler`` from what the kernel (or a fixture) returned.
public struct PoolSnapshot: Hashable, Sendable {
    public var name: String
    public var uuid: String?
    /// nil only for a fixture without an `info` file.
    public var number: DeviceNumber?
    /// nil when the source does not report event numbers.
    public var eventNumber: UInt32?
    /// The pool target's length (the data device's usable size).
    public var length: Sectors
    public var table: ThinPoolTable
    public var status: ThinPoolStatus
    /// Sorted by name.
    public var thinVolumes: [ThinVolume]
    /// The loop file behind the data device, when it is one.
    public var dataBacking: LoopBacking?
    /// The loop file behind the metadata device, when it is one.
    public var metadataBacking: LoopBacking?
    /// The device was suspended when read (a reload in progress: its size may be about to
    /// change).
    public var suspended: Bool
    /// Who uses the pool (docker, containerd, LVM), when it can be told.
    public var owner: PoolOwner? {
        get { ownerBox?.value }
        set { ownerBox = newValue.map(Indirect.init) }
    }
    // Out of line: 321 of the snapshot's 776 bytes, copied with it on every one-pool re-read.
    @usableFromInline var ownerBox: Indirect<PoolOwner>?
    /// The owner as shared storage: handing one snapshot's owner to another is a retain, not a
    /// copy of its ~320 bytes and a new box (the annotator does it on every one-pool read).
    public var sharedOwner: Indirect<PoolOwner>? {
        get { ownerBox }
        set { ownerBox = newValue }
    }
    /// The owner's own dm.min_free_space (docker's, from daemon.json), read where it is kept.
    @inlinable public var ownerMinFreeSpacePercent: UInt64? { ownerBox?.value.docker?.minFreeSpacePercent }
    /// Out of data space and queueing writes: since when, until when, and whose (nil otherwise,
    /// and where the reader keeps no history, as for fixtures).
    public var outOfSpace: OutOfSpace?
    /// The last space scan (exclusive and reclaimable space), when the agent made one.
    public var space: PoolSpace?
    /// The pool device's inactive table slot is loaded (a reload not yet resumed) and whether
    /// its removal is deferred.
    public var inactiveTable = false
    public var deferredRemove = false
    /// The pool and its thin volumes in a state that holds I/O or waits for someone, with
    /// since when (set by the reader, which keeps that history).
    public var stuck: [StuckDevice] = []

    public init(
        name: String, uuid: String?, number: DeviceNumber?, eventNumber: UInt32?, length: Sectors,
        table: ThinPoolTable, status: ThinPoolStatus, thinVolumes: [ThinVolume] = [],
        dataBacking: LoopBacking? = nil, metadataBacking: LoopBacking? = nil, suspended: Bool = false
    ) {
        self.suspended = suspended
        self.name = name
        self.uuid = uuid
        self.number = number
        self.eventNumber = eventNumber
        self.length = length
        self.table = table
        self.status = status
        self.thinVolumes = thinVolumes
        self.dataBacking = dataBacking
        self.metadataBacking = metadataBacking
    }

    /// The pool's mode, folding the status forms into one value; nil when an old kernel's
    /// status does not say.
    public var mode: PoolMode? {
        switch status {
        case .fail: return .fail
        case .error: return .error
        case .working(let w):
            switch w.mode {
            case .readWrite: return .readWrite
            case .readOnly: return .readOnly
            case .outOfDataSpace: return .outOfDataSpace
            case nil: return nil
            }
        }
    }

    /// What happens to writes when data space runs out. Read from the status when it says
    /// (after no_space_timeout the kernel switches to error while the table still says
    /// nothing), else from the table's features.
    public var noSpacePolicy: ThinPoolStatus.NoSpacePolicy {
        if let p = status.working?.noSpacePolicy { return p }
        return table.has(.errorIfNoSpace) ? .error : .queue
    }

    /// The pool's metadata needs `thin_check` before it can be written again.
    public var needsCheck: Bool? { status.working?.needsCheck }
}

/// The pool's mode as one value.
public enum PoolMode: String, Hashable, Sendable, CaseIterable {
    case readWrite = "rw"
    case readOnly = "ro"
    case outOfDataSpace = "out_of_data_space"
    case fail
    case error
}

/// A thin volume provisioned from a pool.
public struct ThinVolume: Hashable, Sendable {
    public var name: String
    public var uuid: String?
    public var number: DeviceNumber?
    /// Virtual size (the thin target's length).
    public var size: Sectors
    /// nil when the kernel printed the table as `Fail` (its pool failed).
    public var table: ThinTable?
    /// nil when its status could not be read; `statusError` says why.
    public var status: ThinStatus?
    public var statusError: String?
    /// What uses the volume, when it can be told.
    public var owner: VolumeOwner? {
        get { ownerBox?.value }
        set { ownerBox = newValue.map(Indirect.init) }
    }
    /// What the last space scan found (exclusive, shared and reclaimable bytes).
    public var space: VolumeSpace? {
        get { spaceBox?.value }
        set { spaceBox = newValue.map(Indirect.init) }
    }
    // Out of line: together 232 of a volume's 384 bytes, and an array of 10,000 volumes is
    // copied whole by a sort, an append's growth or a write to a shared one.
    private var ownerBox: Indirect<VolumeOwner>?
    private var spaceBox: Indirect<VolumeSpace>?
    /// The device's own state: suspended, an inactive table loaded, its removal deferred.
    public var suspended = false
    public var inactiveTable = false
    public var deferredRemove = false

    public init(
        name: String, uuid: String?, number: DeviceNumber?, size: Sectors, table: ThinTable?,
        status: ThinStatus?, statusError: String? = nil
    ) {
        self.name = name
        self.uuid = uuid
        self.number = number
        self.size = size
        self.table = table
        self.status = status
        self.statusError = statusError
    }
}

/// A loop device's backing file and the free space of the filesystem holding it.
public struct LoopBacking: Hashable, Sendable {
    public var path: String
    /// statfs f_bfree * f_bsize of the file's filesystem, as docker computes it; nil when
    /// statfs failed or the file is not a regular file.
    public var filesystemFree: Bytes?
    /// The loop device's node, "/dev/loop0"; nil when unknown.
    public var device: String?
    /// The file's identity (st_dev, st_ino): tells whether another path names the same file.
    public var file: FileID?

    public init(path: String, filesystemFree: Bytes?, device: String? = nil, file: FileID? = nil) {
        self.path = path
        self.filesystemFree = filesystemFree
        self.device = device
        self.file = file
    }
}

/// A file's identity: its filesystem's device number and its inode.
public struct FileID: Hashable, Sendable {
    public var device: UInt64
    public var inode: UInt64

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }
}
