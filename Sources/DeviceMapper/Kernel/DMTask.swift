import CDeviceMapper
import CDeviceMapperShims
import Logging
import Synchronization
import SystemIO
import ThinPoolCore

#if canImport(Glibc)
    import Glibc
#endif

/// The single owner of a `struct dm_task`: destroyed when this object goes.
final class DMTask {
    let handle: OpaquePointer
    let operation: DeviceMapperError.Operation
    let device: String?

    /// dm_task_create. Fails when libdevmapper cannot reach the kernel (no control device).
    init(_ type: Int, _ operation: DeviceMapperError.Operation, device: String?) throws(DeviceMapperError) {
        self.operation = operation
        self.device = device
        guard let handle = dm_task_create(Int32(type)) else {
            throw DMTask.failure(operation, device: device, taskErrno: 0)
        }
        self.handle = handle
        if let device, dm_task_set_name(handle, device) == 0 {
            dm_task_destroy(handle)
            throw DeviceMapperError(
                .invalidArgument, operation, device: device,
                detail: "libdevmapper refused the device name")
        }
    }

    deinit { dm_task_destroy(handle) }

    /// dm_task_run; a failure becomes a typed error with the ioctl's errno.
    func run() throws(DeviceMapperError) {
        if dm_task_run(handle) == 0 {
            throw DMTask.failure(operation, device: device, taskErrno: dm_task_get_errno(handle))
        }
    }

    /// dm_task_get_info + dm_task_get_uuid; throws `.noSuchDevice` when the kernel answered
    /// that the device does not exist (the ioctl itself succeeds in that case).
    func info() throws(DeviceMapperError) -> DeviceInfo {
        var raw = dm_info()
        guard dm_task_get_info(handle, &raw) != 0 else {
            throw DeviceMapperError(.failed, operation, device: device, detail: "dm_task_get_info failed")
        }
        guard raw.exists != 0 else {
            throw DeviceMapperError(.noSuchDevice, operation, device: device, errno: ENXIO)
        }
        let name = dm_task_get_name(handle).map { String(cString: $0) } ?? device ?? ""
        let uuid = dm_task_get_uuid(handle).map { String(cString: $0) }
        var info = DeviceInfo(
            name: name, uuid: uuid, number: DeviceNumber(major: raw.major, minor: raw.minor),
            eventNumber: raw.event_nr, openCount: raw.open_count, targetCount: raw.target_count,
            suspended: raw.suspended != 0, readOnly: raw.read_only != 0,
            liveTable: raw.live_table != 0, inactiveTable: raw.inactive_table != 0
        )
        info.deferredRemove = raw.deferred_remove != 0
        return info
    }

    /// The targets a TABLE or STATUS task returned (dm_get_next_target).
    func targets() -> [Target] {
        var result: [Target] = []
        var next: UnsafeMutableRawPointer? = nil
        repeat {
            var start: UInt64 = 0
            var length: UInt64 = 0
            var type: UnsafeMutablePointer<CChar>? = nil
            var params: UnsafeMutablePointer<CChar>? = nil
            next = dm_get_next_target(handle, next, &start, &length, &type, &params)
            // A device without a live table yields one "target" with a NULL type.
            guard let type else { break }
            result.append(
                Target(
                    start: start, length: length, type: String(cString: type),
                    params: params.map { String(cString: $0) } ?? ""))
        } while next != nil
        return result
    }

    /// The error for a failed task: the ioctl's errno, else the errno libdevmapper logged with
    /// its last error, else the C library's errno.
    static func failure(_ operation: DeviceMapperError.Operation, device: String?, taskErrno: Int32)
        -> DeviceMapperError
    {
        let lastError = Libdevmapper.pending.last(where: { $0.level <= 3 })
        var e = taskErrno > 0 ? taskErrno : 0
        if e == 0 { e = Libdevmapper.pending.last(where: { $0.level <= 3 && $0.errno != 0 })?.errno ?? 0 }
        // No errno from libdevmapper: maybe it never reached the kernel.
        if e == 0 { e = Libdevmapper.probeControl() }
        var code = e == 0 ? .failed : DeviceMapperError.code(forErrno: e)
        // ENOENT/ENODEV mean "no control device" only before a device is involved.
        if code == .notAvailable, device != nil, operation != .list, operation != .version {
            code = .noSuchDevice
        }
        return DeviceMapperError(
            code, operation, device: device, errno: e == 0 ? nil : e,
            detail: lastError?.text)
    }
}
