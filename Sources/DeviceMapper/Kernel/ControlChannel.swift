import CDeviceMapperShims
import Synchronization
import SystemIO
import ThinPoolCore

#if canImport(Glibc)
    import Glibc
#endif

/// The reads of the hot path -- a device's status or table -- as raw DM_TABLE_STATUS ioctls on
/// a control fd of our own, each into a buffer kept for the next read: one system call per read
/// and no allocation in steady state. libdevmapper would create a task, allocate and clear a
/// fresh buffer, and take its process-wide lock (it is not thread-safe) for each.
///
/// Safe from any thread: the fd is shared (dm ioctls on it are independent), buffers are taken
/// from a small pool and returned, so concurrent readers never wait for one another.
final class ControlChannel: Sendable {
    let path: String
    private struct State {
        /// nil until opened; opened again after a failure (e.g. dm-mod loaded later).
        var fd: Int32?
        /// Kept apart by use: the kernel copies a request's whole buffer in (and clears it) on
        /// every ioctl, so a STATUS read in a buffer a LIST of 10,000 devices grew to megabytes
        /// would cost as much as that LIST.
        var listBuffers: [UnsafeMutablePointer<cdm_buffer>] = []
        var deviceBuffers: [UnsafeMutablePointer<cdm_buffer>] = []
    }
    enum Use { case list, device }
    private let state = Locked(State())
    /// The fd once open (-1 before): read without the lock on every call.
    private let openFD = Atomic<Int32>(-1)
    /// One device buffer (its address; 0: none) taken and put back without the lock: a lone
    /// reader (the alert path) never takes it; concurrent readers fall back to the locked pool.
    private let hotBuffer = Atomic<Int>(0)

    init(path: String) { self.path = path }

    deinit {
        state.withLock { s in
            if let fd = s.fd { close(fd) }
            if let hot = UnsafeMutablePointer<cdm_buffer>(bitPattern: hotBuffer.exchange(0, ordering: .acquiring)) {
                s.deviceBuffers.append(hot)
            }
            for b in s.listBuffers + s.deviceBuffers {
                cdm_buffer_free(b)
                b.deallocate()
            }
        }
    }

    /// The fd, opened on first use.
    private func fd(_ operation: DeviceMapperError.Operation, _ device: String?) throws(DeviceMapperError) -> Int32 {
        let fd = openFD.load(ordering: .acquiring)
        if fd >= 0 { return fd }
        return try state.withLock { (s) throws(DeviceMapperError) -> Int32 in
            if let fd = s.fd { return fd }
            let fd = cdm_control_open(path)
            guard fd >= 0 else {
                // ENOENT from open may mean no device-mapper at all: ask the kernel as libdevmapper would.
                let e = -fd == ENOENT ? Libdevmapper.probeControl(path) : -fd
                let errno = e == 0 ? -fd : e
                throw DeviceMapperError(
                    DeviceMapperError.code(forErrno: errno), operation, device: device, errno: errno, detail: "\(path): open failed")
            }
            s.fd = fd
            openFD.store(fd, ordering: .releasing)
            return fd
        }
    }

    /// Runs `body` with a buffer from the pool for `use` (a new one when all are in use).
    private func withBuffer<T>(_ use: Use, _ body: (inout cdm_buffer) -> T) -> T {
        let buffer = take(use)
        defer { give(buffer, use) }
        return body(&buffer.pointee)
    }

    private func take(_ use: Use) -> UnsafeMutablePointer<cdm_buffer> {
        if use == .device, let hot = UnsafeMutablePointer<cdm_buffer>(bitPattern: hotBuffer.exchange(0, ordering: .acquiring)) {
            return hot
        }
        if let pooled = state.withLock({ use == .list ? $0.listBuffers.popLast() : $0.deviceBuffers.popLast() }) {
            return pooled
        }
        let fresh = UnsafeMutablePointer<cdm_buffer>.allocate(capacity: 1)
        fresh.initialize(to: cdm_buffer(data: nil, size: 0))
        return fresh
    }

    private func give(_ buffer: UnsafeMutablePointer<cdm_buffer>, _ use: Use) {
        if use == .device, hotBuffer.compareExchange(expected: 0, desired: Int(bitPattern: buffer), ordering: .releasing).exchanged {
            return
        }
        state.withLock { s in
            if use == .list { s.listBuffers.append(buffer) } else { s.deviceBuffers.append(buffer) }
        }
    }

    /// Every device (DM_LIST_DEVICES), with event numbers and uuids where the kernel gives them.
    func list() throws(DeviceMapperError) -> [DeviceListEntry] {
        let fd = try fd(.list, nil)
        var entries: [DeviceListEntry] = []
        let n = withBuffer(.list) { buffer in
            withUnsafeMutablePointer(to: &entries) { cdm_list_devices(fd, &buffer, listSink, $0) }
        }
        guard n >= 0 else { throw DeviceMapperError(DeviceMapperError.code(forErrno: -n), .list, errno: -n) }
        return entries
    }

    /// A device's status (no flush) or live table: its info and targets.
    func read(_ name: String, table: Bool) throws(DeviceMapperError) -> DeviceTargets {
        let operation: DeviceMapperError.Operation = table ? .table : .status
        let fd = try fd(operation, name)
        var device = cdm_device()
        var targets: [Target] = []
        let n = withBuffer(.device) { buffer in
            withUnsafeMutablePointer(to: &targets) { cdm_table_status(fd, name, table ? 1 : 0, &buffer, &device, targetSink, $0) }
        }
        guard n >= 0 else { throw Self.failure(-n, operation, name) }
        return DeviceTargets(info: Self.info(name, device), targets: targets)
    }

    /// A device's status (no flush) for a pool's re-read: a single thin-pool line is parsed
    /// where the kernel wrote it (``ThinPoolStatus/fast(_:)``), nothing copied or allocated.
    func readPool(_ name: String) throws(DeviceMapperError) -> PoolStatusReading {
        let fd = try fd(.status, name)
        var device = cdm_device()
        var found = PoolSinkState()
        let n = withBuffer(.device) { buffer in
            withUnsafeMutablePointer(to: &found) { cdm_table_status(fd, name, 0, &buffer, &device, poolSink, $0) }
        }
        guard n >= 0 else { throw Self.failure(-n, .status, name) }
        return PoolStatusReading(info: Self.info(name, device), pool: n == 1 ? found.line : nil)
    }

    private static func info(_ name: String, _ device: cdm_device) -> DeviceInfo {
        let flags = Int(device.flags)
        var info = DeviceInfo(
            // The kernel answers for the device named: the name asked for.
            name: name,
            uuid: device.uuid.0 == 0
                ? "" : withUnsafeBytes(of: device.uuid) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) },
            number: DeviceNumber(kernelEncoded: device.dev), eventNumber: device.event_nr,
            openCount: device.open_count, targetCount: Int32(bitPattern: device.target_count),
            suspended: flags & CDM_SUSPENDED != 0, readOnly: flags & CDM_READ_ONLY != 0,
            liveTable: flags & CDM_LIVE_TABLE != 0, inactiveTable: flags & CDM_INACTIVE_TABLE != 0)
        info.deferredRemove = flags & CDM_DEFERRED_REMOVE != 0
        return info
    }

    /// The error for a failed ioctl, as libdevmapper's path words it (``DMTask/failure``).
    static func failure(_ e: Int32, _ operation: DeviceMapperError.Operation, _ device: String) -> DeviceMapperError {
        if e == ENAMETOOLONG {
            return DeviceMapperError(
                .invalidArgument, operation, device: device, detail: "a device name has at most 127 bytes")
        }
        if e == EPROTO {
            return DeviceMapperError(.failed, operation, device: device, errno: e, detail: "the kernel's answer is malformed")
        }
        var code = DeviceMapperError.code(forErrno: e)
        // ENOENT/ENODEV once the control device is open: the device, not device-mapper, is missing.
        if code == .notAvailable { code = .noSuchDevice }
        return DeviceMapperError(code, operation, device: device, errno: e)
    }
}

private let targetSink: cdm_target_sink = { context, start, length, type, params, count in
    guard let context, let type else { return }
    let text = params.map {
        String(decoding: UnsafeRawBufferPointer(start: $0, count: count).assumingMemoryBound(to: UInt8.self), as: UTF8.self)
    }
    context.assumingMemoryBound(to: [Target].self).pointee.append(
        Target(start: start, length: length, type: String(cString: type), params: text ?? ""))
}

/// What ``poolSink`` found: the first target, when it is a thin-pool line the fast parser reads.
private struct PoolSinkState {
    var targets = 0
    var line: PoolStatusTarget?
}

/// `type` is "thin-pool", compared in place (the sink runs on every alert-path read).
private func isThinPool(_ type: UnsafePointer<CChar>) -> Bool {
    var i = 0
    for c in "thin-pool".utf8 {
        guard UInt8(bitPattern: type[i]) == c else { return false }
        i += 1
    }
    return type[i] == 0
}

private let poolSink: cdm_target_sink = { context, start, length, type, params, count in
    guard let context, let type else { return }
    let state = context.assumingMemoryBound(to: PoolSinkState.self)
    state.pointee.targets += 1
    guard state.pointee.targets == 1, isThinPool(type), let params else { return }
    let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(params).assumingMemoryBound(to: UInt8.self), count: count)
    if let status = ThinPoolStatus.fast(bytes) {
        state.pointee.line = PoolStatusTarget(start: start, length: length, status: status)
    }
}

private let listSink: cdm_list_sink = { context, name, dev, eventNumber, hasEventNumber, uuid in
    guard let context, let name else { return }
    context.assumingMemoryBound(to: [DeviceListEntry].self).pointee.append(
        DeviceListEntry(
            name: String(cString: name), number: DeviceNumber(kernelEncoded: dev),
            eventNumber: hasEventNumber != 0 ? eventNumber : nil,
            uuid: uuid.map { String(cString: $0) }))
}
