/// What the kernel says about one device (struct dm_info plus name and uuid).
public struct DeviceInfo: Hashable, Sendable {
    public var name: String
    /// nil when the device has none (an empty uuid).
    public var uuid: String?
    /// Always known from the kernel; nil for a fixture without an `info` file.
    public var number: DeviceNumber?
    /// Always known from the kernel; nil for a fixture without an `info` file.
    public var eventNumber: UInt32?
    public var openCount: Int32
    public var targetCount: Int32
    public var suspended: Bool
    public var readOnly: Bool
    public var liveTable: Bool
    public var inactiveTable: Bool
    /// A removal was asked for while the device was open (deferred remove): it goes when
    /// closed.
    public var deferredRemove: Bool = false

    public init(
        name: String, uuid: String?, number: DeviceNumber?, eventNumber: UInt32?,
        openCount: Int32 = 0, targetCount: Int32 = 0, suspended: Bool = false,
        readOnly: Bool = false, liveTable: Bool = true, inactiveTable: Bool = false
    ) {
        self.name = name
        self.uuid = uuid.flatMap { $0.isEmpty ? nil : $0 }
        self.number = number
        self.eventNumber = eventNumber
        self.openCount = openCount
        self.targetCount = targetCount
        self.suspended = suspended
        self.readOnly = readOnly
        self.liveTable = liveTable
        self.inactiveTable = inactiveTable
    }
}
