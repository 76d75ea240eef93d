/// What one full read of a host found: every pool's reading, and what it saw on the way.

public struct HostReading: Hashable, Sendable {
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
