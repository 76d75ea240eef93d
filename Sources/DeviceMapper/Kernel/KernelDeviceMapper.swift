import CDeviceMapper
import CDeviceMapperShims
import Logging
import SystemIO
import ThinPoolCore

#if canImport(Glibc)
    import Glibc
#endif

/// The real device-mapper, through libdevmapper. Needs root (CAP_SYS_ADMIN).
///
/// libdevmapper is not thread-safe: every call through it takes one process-wide lock. The
/// reads (LIST, STATUS, TABLE) and the event waits do not go through it: they are raw ioctls
/// on control fds of our own (``ControlChannel``, ``waitEvent(_:after:)``), which readers on
/// several threads issue at once.
public struct KernelDeviceMapper: DeviceMapperClient {
    public let logger: Logger
    /// Path of the control device (tests point it elsewhere).
    public let controlPath: String
    private let generation = TableGenerationTracker()
    private let cachedVersions = Locked<DeviceMapperVersions?>(nil)
    private let channel: ControlChannel

    public init(logger: Logger = Logger(label: "thinpool.dm"), controlPath: String = "/dev/mapper/control") {
        self.logger = logger
        self.controlPath = controlPath
        self.channel = ControlChannel(path: controlPath)
    }

    /// From DM_DEV_ARM_POLL and poll(2) on a control fd of its own: the generation moves when
    /// the kernel's global event counter has moved since the last arm. nil before dm ioctl 4.37.
    public func tableGeneration() -> UInt64? {
        generation.next(controlPath: controlPath)
    }

    /// Runs one locked libdevmapper call and routes what it logged to the logger.
    private func call<T>(_ body: () throws(DeviceMapperError) -> T) throws(DeviceMapperError) -> T {
        let result: Result<T, DeviceMapperError>
        let messages: [LibdevmapperMessage]
        (result, messages) = Libdevmapper.locked { () -> Result<T, DeviceMapperError> in
            do throws(DeviceMapperError) { return .success(try body()) } catch { return .failure(error) }
        }
        for m in messages {
            // Errors are carried by the thrown DeviceMapperError; log them at debug only.
            logger.log(
                level: m.level <= 3 ? .debug : (m.level == 4 ? .warning : .debug),
                "libdevmapper: \(m.text)", metadata: m.errno != 0 ? ["errno": "\(m.errno)"] : [:])
        }
        return try result.get()
    }

    /// dm_get_library_version, DM_DEVICE_VERSION and dm_udev_get_sync_support, as docker's
    /// driver calls them; kept once the kernel has answered.
    public func versions() -> DeviceMapperVersions {
        if let v = cachedVersions.withLock({ $0 }) { return v }
        let driver = try? driverVersion()
        let v: DeviceMapperVersions = Libdevmapper.locked {
            var buffer = [CChar](repeating: 0, count: 128)
            let library =
                dm_get_library_version(&buffer, buffer.count) != 0
                ? buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } : nil
            return DeviceMapperVersions(library: library, driver: driver, udevSync: dm_udev_get_sync_support() != 0)
        }.0
        if driver != nil { cachedVersions.withLock { $0 = v } }
        return v
    }

    /// The kernel's dm ioctl version, e.g. "4.47.0" (DM_DEVICE_VERSION).
    public func driverVersion() throws(DeviceMapperError) -> String {
        try call { () throws(DeviceMapperError) in
            let task = try DMTask(DM_DEVICE_VERSION, .version, device: nil)
            try task.run()
            var buffer = [CChar](repeating: 0, count: 64)
            guard dm_task_get_driver_version(task.handle, &buffer, buffer.count) != 0 else {
                throw DeviceMapperError(.failed, .version, detail: "dm_task_get_driver_version failed")
            }
            return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        }
    }

    /// Every device, by DM_LIST_DEVICES on a control fd of our own (``ControlChannel``; see
    /// cdm_list_devices for why not libdevmapper's LIST), with event numbers and uuids where
    /// the kernel gives them.
    public func listDevices() throws(DeviceMapperError) -> [DeviceListEntry] {
        try Libdevmapper.ensureControl { () throws(DeviceMapperError) in _ = try driverVersion() }
        return try channel.list()
    }

    public func info(_ name: String) throws(DeviceMapperError) -> DeviceInfo {
        try call { () throws(DeviceMapperError) in
            let task = try DMTask(DM_DEVICE_INFO, .info, device: name)
            try task.run()
            return try task.info()
        }
    }

    /// The live table: one raw DM_TABLE_STATUS on a reused buffer (``ControlChannel``).
    public func table(_ name: String) throws(DeviceMapperError) -> DeviceTargets {
        try Libdevmapper.ensureControl { () throws(DeviceMapperError) in _ = try driverVersion() }
        return try channel.read(name, table: true)
    }

    /// The status, without flushing (else the kernel commits a pool's metadata on every read):
    /// one raw DM_TABLE_STATUS on a reused buffer (``ControlChannel``).
    public func status(_ name: String) throws(DeviceMapperError) -> DeviceTargets {
        try Libdevmapper.ensureControl { () throws(DeviceMapperError) in _ = try driverVersion() }
        return try channel.read(name, table: false)
    }

    /// One raw DM_TABLE_STATUS, the thin-pool line read in the ioctl buffer (``ControlChannel``).
    public func poolStatus(_ name: String) throws(DeviceMapperError) -> PoolStatusReading {
        try Libdevmapper.ensureControl { () throws(DeviceMapperError) in _ = try driverVersion() }
        return try channel.readPool(name)
    }

    public func dependencies(_ name: String) throws(DeviceMapperError) -> [DeviceNumber] {
        try call { () throws(DeviceMapperError) in
            let task = try DMTask(DM_DEVICE_DEPS, .deps, device: name)
            try task.run()
            _ = try task.info()
            guard let deps = dm_task_get_deps(task.handle) else { return [] }
            let count = Int(deps.pointee.count)
            // struct dm_deps ends in a flexible array of uint64_t device numbers (dev_t).
            let devices = UnsafeRawPointer(deps).advanced(by: MemoryLayout<dm_deps>.size)
                .assumingMemoryBound(to: UInt64.self)
            return (0..<count).map { DeviceNumber(userspaceDev: devices[$0]) }
        }
    }

    /// Blocks in DM_DEV_WAIT on a control fd opened for this wait alone, outside the
    /// libdevmapper lock, so other reads go on meanwhile.
    public func waitEvent(_ name: String, after eventNumber: UInt32) throws(DeviceMapperError) -> UInt32 {
        let fd = cdm_control_open(controlPath)
        guard fd >= 0 else {
            throw DeviceMapperError(
                DeviceMapperError.code(forErrno: -fd), .waitEvent, device: name,
                errno: -fd, detail: "\(controlPath): open failed")
        }
        defer { close(fd) }
        var newEvent: UInt32 = 0
        var r: Int32
        repeat { r = cdm_wait_event(fd, name, eventNumber, &newEvent) } while r == -EINTR
        guard r == 0 else {
            throw DeviceMapperError(
                DeviceMapperError.code(forErrno: -r) == .notAvailable
                    ? .noSuchDevice
                    : DeviceMapperError.code(forErrno: -r),
                .waitEvent, device: name, errno: -r)
        }
        return newEvent
    }

    public func reload(_ name: String, targets: [Target]) throws(DeviceMapperError) {
        try call { () throws(DeviceMapperError) in
            let task = try DMTask(DM_DEVICE_RELOAD, .reload, device: name)
            for t in targets {
                guard dm_task_add_target(task.handle, t.start, t.length, t.type, t.params) != 0 else {
                    throw DeviceMapperError(
                        .invalidArgument, .reload, device: name,
                        detail: "libdevmapper refused target \(t)")
                }
            }
            try task.run()
        }
    }

    public func suspend(_ name: String, noFlush: Bool) throws(DeviceMapperError) {
        try call { () throws(DeviceMapperError) in
            let task = try DMTask(DM_DEVICE_SUSPEND, .suspend, device: name)
            if noFlush { _ = dm_task_no_flush(task.handle) }
            try task.run()
        }
    }

    public func resume(_ name: String) throws(DeviceMapperError) {
        try call { () throws(DeviceMapperError) in
            let task = try DMTask(DM_DEVICE_RESUME, .resume, device: name)
            try task.run()
        }
    }

    public func message(_ name: String, sector: UInt64, _ message: String) throws(DeviceMapperError) -> String? {
        try call { () throws(DeviceMapperError) in
            let task = try DMTask(DM_DEVICE_TARGET_MSG, .message, device: name)
            guard dm_task_set_sector(task.handle, sector) != 0,
                dm_task_set_message(task.handle, message) != 0
            else {
                throw DeviceMapperError(
                    .invalidArgument, .message, device: name,
                    detail: "libdevmapper refused the message")
            }
            try task.run()
            return dm_task_get_message_response(task.handle).flatMap {
                let s = String(cString: $0)
                return s.isEmpty ? nil : s
            }
        }
    }
}
