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
    // Out of line: owner and findings are most of a volume's bytes and nil for most volumes,
    // and an array of thousands of volumes is copied whole by a sort, an append's growth or a
    // write to a shared one.
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
