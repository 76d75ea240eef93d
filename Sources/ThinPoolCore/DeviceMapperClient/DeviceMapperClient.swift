/// The device-mapper operations thinpool-exporter needs, behind one protocol so the real
/// kernel (``KernelDeviceMapper``) and a directory of `dmsetup` output (``FixtureDeviceMapper``)
/// are interchangeable everywhere above it. The protocol is part of the pure core; the clients
/// are edges (modules DeviceMapper and DeviceMapperFixtures).
///
/// Every method throws ``DeviceMapperError``. Implementations are safe to call from any thread.
public protocol DeviceMapperClient: Sendable {
    /// Every device-mapper device (DM_DEVICE_LIST): name, device number and, where the kernel
    /// reports it (dm ioctl >= 4.37), the event number.
    func listDevices() throws(DeviceMapperError) -> [DeviceListEntry]

    /// DM_DEVICE_INFO of one device. Throws `.noSuchDevice` when it does not exist.
    func info(_ name: String) throws(DeviceMapperError) -> DeviceInfo

    /// The live table of one device (DM_DEVICE_TABLE).
    func table(_ name: String) throws(DeviceMapperError) -> DeviceTargets

    /// The status of one device (DM_DEVICE_STATUS), always with DM_STATUS_NOFLUSH: a status
    /// read without it commits thin-pool metadata.
    func status(_ name: String) throws(DeviceMapperError) -> DeviceTargets

    /// The status of one device as a thin pool's re-read needs it (the alert path): its info
    /// and, when the status is one `thin-pool` target whose line ``ThinPoolStatus/fast(_:)``
    /// reads, that target's extent and status, read where the kernel wrote it. A default reads
    /// ``status(_:)``; the kernel client reads the line in its ioctl buffer, with no copy.
    func poolStatus(_ name: String) throws(DeviceMapperError) -> PoolStatusReading

    /// The devices this device's live table uses (DM_DEVICE_DEPS). Used where the table
    /// cannot say: a thin volume of a failed pool reports its table as `Fail`.
    func dependencies(_ name: String) throws(DeviceMapperError) -> [DeviceNumber]

    /// Blocks until the device's event number differs from `eventNumber`; returns the new one
    /// (DM_DEV_WAIT). Does not hold up other calls.
    func waitEvent(_ name: String, after eventNumber: UInt32) throws(DeviceMapperError) -> UInt32

    /// Loads `targets` as the device's inactive table (DM_DEVICE_RELOAD).
    func reload(_ name: String, targets: [Target]) throws(DeviceMapperError)

    /// DM_DEVICE_SUSPEND. `noFlush` leaves in-flight I/O queued instead of flushing it.
    func suspend(_ name: String, noFlush: Bool) throws(DeviceMapperError)

    /// DM_DEVICE_RESUME: makes a loaded inactive table live.
    func resume(_ name: String) throws(DeviceMapperError)

    /// Sends a target message (DM_DEVICE_TARGET_MSG); returns the target's answer, if any.
    func message(_ name: String, sector: UInt64, _ message: String) throws(DeviceMapperError) -> String?

    /// A number that moves whenever a live table may have changed anywhere: the kernel's global
    /// event (any device event, create, remove, rename, resume) since the last call. A table
    /// read at generation g is still the live table while the generation is g. nil when it
    /// cannot be told (then nothing may be cached). A device's own event number is not enough:
    /// a resume that swaps in a new table, or a new device's first table, does not move it.
    func tableGeneration() -> UInt64?

    /// What `docker info` shows of device-mapper itself: libdevmapper's version
    /// (dm_get_library_version), the kernel's dm ioctl version (DM_DEVICE_VERSION) and whether
    /// libdevmapper synchronises with udev (dm_udev_get_sync_support). Host facts, read once.
    func versions() -> DeviceMapperVersions
}

extension DeviceMapperClient {
    public func poolStatus(_ name: String) throws(DeviceMapperError) -> PoolStatusReading {
        let read = try status(name)
        guard read.targets.count == 1, read.targets[0].type == "thin-pool",
            let status = read.targets[0].params.utf8.withContiguousStorageIfAvailable(ThinPoolStatus.fast) ?? nil
        else { return PoolStatusReading(info: read.info, pool: nil) }
        return PoolStatusReading(
            info: read.info, pool: PoolStatusTarget(start: read.targets[0].start, length: read.targets[0].length, status: status))
    }
}
