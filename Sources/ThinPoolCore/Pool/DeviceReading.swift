/// What was read for one device: its info, live table and (for pools and thin volumes) status.
public struct DeviceReading: Hashable, Sendable {
    public var info: DeviceInfo
    public var table: [Target]
    /// nil when the status was not read (the device is neither a pool nor a thin volume).
    public var status: [Target]?
    /// Set when reading the status failed.
    public var statusError: DeviceMapperError?
    /// The devices the table uses (DM_DEVICE_DEPS), read only for a thin volume whose table
    /// the kernel printed as `Fail`.
    public var dependencies: [DeviceNumber]?

    public init(
        info: DeviceInfo, table: [Target], status: [Target]?, statusError: DeviceMapperError? = nil,
        dependencies: [DeviceNumber]? = nil
    ) {
        self.info = info
        self.table = table
        self.status = status
        self.statusError = statusError
        self.dependencies = dependencies
    }

    /// A thin volume of a failed pool: the kernel prints its table as `Fail`, so only
    /// DM_DEVICE_DEPS can tell its pool.
    public var isThinWithFailedTable: Bool {
        table.count == 1 && table[0].type == "thin" && table[0].params == "Fail"
    }

    /// Whether a device with this table must have its status read to report pools.
    public static func needsStatus(_ table: [Target]) -> Bool {
        table.contains { $0.type == "thin-pool" || $0.type == "thin" }
    }
}
