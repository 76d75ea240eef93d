/// One pool as reported: its snapshot and capacity, or why it could not be read.
public struct PoolReading: Hashable, Sendable {
    public var name: String
    /// nil when the pool's lines could not be read or parsed (`error` says why).
    public var snapshot: PoolSnapshot?
    /// nil when the pool has no counters (Fail, Error) or could not be read.
    public var capacity: PoolCapacity?
    /// Why the pool, or its capacity, could not be reported.
    public var error: PoolError?
    /// The dm.min_free_space percentage applied to this pool.
    public var minFreeSpacePercent: UInt64

    public init(
        name: String, snapshot: PoolSnapshot?, capacity: PoolCapacity?, error: PoolError?,
        minFreeSpacePercent: UInt64
    ) {
        self.name = name
        self.snapshot = snapshot
        self.capacity = capacity
        self.error = error
        self.minFreeSpacePercent = minFreeSpacePercent
    }

    /// A reading of `snapshot` with its capacity computed.
    public init(snapshot: PoolSnapshot, minFreeSpacePercent: UInt64) {
        let (capacity, error) = Self.capacity(of: snapshot, minFreeSpacePercent: minFreeSpacePercent)
        self.init(
            name: snapshot.name, snapshot: snapshot, capacity: capacity, error: error,
            minFreeSpacePercent: minFreeSpacePercent)
    }

    /// A snapshot's capacity, or why it has none: what every reading of a snapshot reports (the
    /// one-pool re-read computes it before it makes the reading).
    public static func capacity(of snapshot: PoolSnapshot, minFreeSpacePercent: UInt64) -> (PoolCapacity?, PoolError?) {
        do { return (try PoolCapacity.compute(snapshot, minFreeSpacePercent: minFreeSpacePercent), nil) } catch {
            // Keep the snapshot: mode and table are still worth reporting.
            return (nil, .capacity(error))
        }
    }

    /// A pool that could not be read.
    public init(name: String, error: PoolError, minFreeSpacePercent: UInt64) {
        self.init(name: name, snapshot: nil, capacity: nil, error: error, minFreeSpacePercent: minFreeSpacePercent)
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
