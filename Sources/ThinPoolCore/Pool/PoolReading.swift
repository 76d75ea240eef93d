/// One pool as reported: its snapshot and capacity, or why it could not be read.
///
/// A value type kept out of line and copied on write: a reading is a pointer, so handing one
/// on (returned, wrapped in an optional, put in an array, sorted) is a retain rather than a
/// copy of its snapshot's and capacity's ~700 bytes and a dozen references -- on the alert
/// path those copies were a fifth of a one-pool re-read. Reading a field borrows it in place.
public struct PoolReading: Hashable, Sendable {
    @usableFromInline
    struct Fields: Hashable, Sendable {
        @usableFromInline var name: String
        @usableFromInline var snapshot: PoolSnapshot?
        @usableFromInline var capacity: PoolCapacity?
        @usableFromInline var error: PoolError?
        @usableFromInline var minFreeSpacePercent: UInt64

        @usableFromInline
        init(name: String, snapshot: PoolSnapshot?, capacity: PoolCapacity?, error: PoolError?, minFreeSpacePercent: UInt64) {
            self.name = name
            self.snapshot = snapshot
            self.capacity = capacity
            self.error = error
            self.minFreeSpacePercent = minFreeSpacePercent
        }

        /// In place: the snapshot is read where it is kept (``PoolSnapshot/writeCapacity``).
        mutating func computeCapacity(_ percent: UInt64) {
            minFreeSpacePercent = percent
            snapshot?.writeCapacity(minFreeSpacePercent: percent, into: &capacity, &error)
        }
    }

    @usableFromInline var fields: CopyOnWrite<Fields>

    @inlinable
    public var name: String {
        _read { yield fields.value.name }
        _modify { yield &fields.value.name }
    }
    /// nil when the pool's lines could not be read or parsed (`error` says why).
    @inlinable
    public var snapshot: PoolSnapshot? {
        _read { yield fields.value.snapshot }
        _modify { yield &fields.value.snapshot }
    }
    /// nil when the pool has no counters (Fail, Error) or could not be read.
    @inlinable
    public var capacity: PoolCapacity? {
        _read { yield fields.value.capacity }
        _modify { yield &fields.value.capacity }
    }
    /// Why the pool, or its capacity, could not be reported.
    @inlinable
    public var error: PoolError? {
        _read { yield fields.value.error }
        _modify { yield &fields.value.error }
    }
    /// The dm.min_free_space percentage applied to this pool.
    @inlinable
    public var minFreeSpacePercent: UInt64 {
        get { fields.value.minFreeSpacePercent }
        set { fields.value.minFreeSpacePercent = newValue }
    }

    public init(
        name: String, snapshot: PoolSnapshot?, capacity: PoolCapacity?, error: PoolError?,
        minFreeSpacePercent: UInt64
    ) {
        fields = CopyOnWrite(
            Fields(
                name: name, snapshot: snapshot, capacity: capacity, error: error, minFreeSpacePercent: minFreeSpacePercent))
    }

    /// A reading of `snapshot` with its capacity computed.
    public init(snapshot: PoolSnapshot, minFreeSpacePercent: UInt64) {
        self.init(name: snapshot.name, snapshot: snapshot, capacity: nil, error: nil, minFreeSpacePercent: minFreeSpacePercent)
        computeCapacity(minFreeSpacePercent: minFreeSpacePercent)
    }

    /// Sets the capacity from the snapshot, or the error saying why it has none, and the
    /// dm.min_free_space applied: what every reading of a snapshot reports. In place: the
    /// one-pool re-read brings a copy of its template's reading up to date this way.
    public mutating func computeCapacity(minFreeSpacePercent percent: UInt64) {
        fields.value.computeCapacity(percent)
    }

    /// A pool that could not be read.
    public init(name: String, error: PoolError, minFreeSpacePercent: UInt64) {
        self.init(name: name, snapshot: nil, capacity: nil, error: error, minFreeSpacePercent: minFreeSpacePercent)
    }
}

extension PoolReading: CustomReflectable {
    /// The fields, not the box they are kept in (test failures and dumps print these).
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "name": name, "snapshot": snapshot as Any, "capacity": capacity as Any, "error": error as Any,
                "minFreeSpacePercent": minFreeSpacePercent,
            ])
    }
}

/// Every pool on a host at one moment.
public struct PoolReport: Hashable, Sendable {
    /// Sorted by name.
    public var pools: [PoolReading]
    /// How many device-mapper devices were listed.
    public var deviceCount: Int
    /// Thin volumes whose pool could not be found, by name.
    public var unattributedThinVolumes: [String]
    /// Devices whose table could not be read (so whether they are pools is unknown).
    public var deviceErrors: [String: String]
    /// libdevmapper's and the kernel driver's versions and udev synchronisation (docker info
    /// shows them).
    public var versions: DeviceMapperVersions

    public init(
        pools: [PoolReading], deviceCount: Int, unattributedThinVolumes: [String] = [],
        deviceErrors: [String: String] = [:], versions: DeviceMapperVersions = DeviceMapperVersions()
    ) {
        self.pools = pools
        self.deviceCount = deviceCount
        self.unattributedThinVolumes = unattributedThinVolumes
        self.deviceErrors = deviceErrors
        self.versions = versions
    }
}
