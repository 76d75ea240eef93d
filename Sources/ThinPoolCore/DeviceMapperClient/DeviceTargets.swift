/// A device's info together with its table or status lines, read by one ioctl.
public struct DeviceTargets: Hashable, Sendable {
    public var info: DeviceInfo
    public var targets: [Target]

    public init(info: DeviceInfo, targets: [Target]) {
        self.info = info
        self.targets = targets
    }
}
