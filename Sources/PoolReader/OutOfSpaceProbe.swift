import SystemIO
import ThinPool

/// Where the out-of-space countdown comes from: dm-thin-pool's no_space_timeout and each thin
/// volume's writes in flight.
public protocol OutOfSpaceProbe: Sendable {
    /// Seconds a pool out of data space queues writes before failing them (0: forever); nil
    /// when it cannot be read.
    func noSpaceTimeout() -> UInt64?
    /// Writes in flight on the device; nil when it cannot be read.
    func inflightWrites(_ device: DeviceNumber) -> UInt64?
}

/// The kernel's: /sys/module/dm_thin_pool/parameters/no_space_timeout and
/// /sys/dev/block/MAJ:MIN/inflight.
public struct SysfsOutOfSpaceProbe: OutOfSpaceProbe {
    public let sysfs: Sysfs

    public init(sysfs: Sysfs = Sysfs()) { self.sysfs = sysfs }

    public func noSpaceTimeout() -> UInt64? { sysfs.noSpaceTimeout() }
    public func inflightWrites(_ device: DeviceNumber) -> UInt64? { sysfs.inflight(device)?.writes }
}
