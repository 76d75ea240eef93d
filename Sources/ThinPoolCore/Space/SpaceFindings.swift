/// What the last space scan found about one thin volume: what deleting it would free, and what
/// a trim of its filesystem would give back to the pool.
public struct VolumeSpace: Hashable, Sendable {
    /// thin_ls's exclusive bytes: only this volume maps them; deleting it frees them. nil when
    /// no metadata snapshot could be read.
    public var exclusiveBytes: UInt64?
    /// Bytes it shares with its snapshots or their origin: deleting it frees none of them.
    public var sharedBytes: UInt64?
    /// Where its filesystem is mounted on this host; nil when it is not.
    public var mountPoint: String?
    /// Bytes a trim (fstrim) of that filesystem would free in the pool; 0 with
    /// `reclaimBlocked` when discards cannot reach the pool.
    public var reclaimableBytes: UInt64?
    /// The figure is mapped - used (no metadata snapshot said which blocks are mapped): an
    /// upper bound, as the filesystem's own metadata is mapped too.
    public var reclaimableIsEstimate: Bool
    /// Why a trim frees nothing however much the filesystem has freed.
    public var reclaimBlocked: String?

    public init(
        exclusiveBytes: UInt64? = nil, sharedBytes: UInt64? = nil, mountPoint: String? = nil, reclaimableBytes: UInt64? = nil,
        reclaimableIsEstimate: Bool = false, reclaimBlocked: String? = nil
    ) {
        self.exclusiveBytes = exclusiveBytes
        self.sharedBytes = sharedBytes
        self.mountPoint = mountPoint
        self.reclaimableBytes = reclaimableBytes
        self.reclaimableIsEstimate = reclaimableIsEstimate
        self.reclaimBlocked = reclaimBlocked
    }
}

/// The last space scan of a pool.
public struct PoolSpace: Hashable, Sendable {
    /// When it ran (unix seconds).
    public var scannedAt: Double
    /// Why no metadata snapshot was read (another tool holds one, thin_ls missing...); nil
    /// when it was.
    public var snapshotSkipped: String?
    /// What trims of the pool's mounted volumes would free, in all.
    public var reclaimableBytes: UInt64
    /// Bytes the data device's loop file takes on its filesystem (st_blocks): beside the pool's
    /// used bytes, the space freed in the pool but not given back to the host.
    public var dataFileAllocatedBytes: UInt64?

    public init(scannedAt: Double, snapshotSkipped: String?, reclaimableBytes: UInt64, dataFileAllocatedBytes: UInt64?) {
        self.scannedAt = scannedAt
        self.snapshotSkipped = snapshotSkipped
        self.reclaimableBytes = reclaimableBytes
        self.dataFileAllocatedBytes = dataFileAllocatedBytes
    }
}
