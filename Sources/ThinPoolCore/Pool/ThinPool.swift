/// One thin pool at one moment: its device identity, table, status and the thin volumes that
/// use it. Built by ``PoolAssembler`` from what the kernel (or a fixture) returned.
public struct ThinPool: Hashable, Sendable {
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
    // Out of line: the owner is a large part of a pool's bytes, and a pool is copied with
    // every copy of its reading that is written.
    @usableFromInline var ownerBox: Indirect<PoolOwner>?
    /// The owner as shared storage: handing one pool's owner to another is a retain, not a
    /// copy and a new box (the annotator does it on every one-pool read).
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
