/// One record of DM_DEVICE_LIST.
public struct DeviceListEntry: Hashable, Sendable {
    public var name: String
    /// nil only for a fixture without an `info` file.
    public var number: DeviceNumber?
    /// nil when the kernel does not report it in the list (dm ioctl < 4.37) or a fixture
    /// has no `info` file.
    public var eventNumber: UInt32?
    /// nil when unknown (kernels before dm ioctl 4.45 do not list uuids); "" for none.
    public var uuid: String?

    public init(name: String, number: DeviceNumber?, eventNumber: UInt32?, uuid: String? = nil) {
        self.name = name
        self.number = number
        self.eventNumber = eventNumber
        self.uuid = uuid
    }
}
