/// What ``DeviceMapperClient/poolStatus(_:)`` read.
public struct PoolStatusReading: Sendable {
    public var info: DeviceInfo
    /// The one `thin-pool` target's start, length and status; nil when the device does not
    /// have exactly one such target or its line is one only the field-by-field parser reads
    /// (`Fail`, `Error`, anything malformed): ``DeviceMapperClient/status(_:)`` then tells.
    public var pool: PoolStatusTarget?

    public init(info: DeviceInfo, pool: PoolStatusTarget?) {
        self.info = info
        self.pool = pool
    }
}

/// A thin-pool status target: its extent and its line, parsed.
public struct PoolStatusTarget: Sendable, Equatable {
    public var start: UInt64
    public var length: UInt64
    public var status: ThinPoolStatus

    public init(start: UInt64, length: UInt64, status: ThinPoolStatus) {
        self.start = start
        self.length = length
        self.status = status
    }
}
