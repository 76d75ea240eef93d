import SystemIO
import ThinPoolCore

/// Where the out-of-space countdown comes from: dm-thin-pool's no_space_timeout and each thin
/// volume's writes in flight.
public protocol OutOfSpaceProbe: Sendable {
    /// Seconds a pool out of data space queues writes before failing them (0: forever); nil
    /// when it cannot be read.
    func noSpaceTimeout() -> UInt64?
    /// Writes in flight on the device; nil when it cannot be read.
    func inflightWrites(_ device: DeviceNumber) -> UInt64?
    /// Processes blocked in I/O, by the devices they hold open (a block device, or the device
    /// of a filesystem they have a file open on): "dd[812]".
    func blockedProcesses() -> [DeviceNumber: [String]]
}

/// The kernel's: /sys/module/dm_thin_pool/parameters/no_space_timeout,
/// /sys/dev/block/MAJ:MIN/inflight, and the processes in state D in /proc with their open
/// files (Linux 6.1 does not count the writes a pool out of data space holds in `inflight`; the
/// countdown VM scenario shows it).
public struct SysfsOutOfSpaceProbe: OutOfSpaceProbe {
    public let sysfs: Sysfs

    public init(sysfs: Sysfs = Sysfs()) { self.sysfs = sysfs }

    public func noSpaceTimeout() -> UInt64? { sysfs.noSpaceTimeout() }
    public func inflightWrites(_ device: DeviceNumber) -> UInt64? { sysfs.inflight(device)?.writes }
    public func blockedProcesses() -> [DeviceNumber: [String]] {
        var out: [DeviceNumber: [String]] = [:]
        for p in processesBlockedInIO() {
            for d in p.devices { out[d, default: []].append(p.label) }
        }
        return out
    }
}
