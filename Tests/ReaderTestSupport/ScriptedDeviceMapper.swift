import SystemIO
import ThinPoolCore

/// A scripted device-mapper for tests: devices whose tables, statuses and event numbers a test
/// sets and changes, calls counted, failures injected, and DM_DEV_WAIT that blocks until the
/// test raises the device's event.
public final class ScriptedDeviceMapper: DeviceMapperClient {
    public struct Device: Sendable {
        public var info: DeviceInfo
        public var table: [Target]
        public var status: [Target]
    }

    public struct State: Sendable {
        public var devices: [String: Device] = [:]
        public var order: [String] = []
        public var calls: [String] = []
        /// Devices that vanish when their status is read (removed between LIST and STATUS).
        public var vanishOnStatus: Set<String> = []
        public var statusErrors: [String: DeviceMapperError] = [:]
        public var listError: DeviceMapperError?
        /// What tableGeneration() says (nil: cannot be told).
        public var generation: UInt64? = 0
        /// DM_DEV_WAIT answers with this error (nil: it blocks until the event moves).
        public var waitEventError: DeviceMapperError?
        /// Set to end every blocked DM_DEV_WAIT (the test is over).
        public var closed = false
        /// While set, LIST takes its list, then blocks (a collection in flight); `listsHeld`
        /// counts the LISTs blocked so.
        public var holdLists = false
        public var listsHeld = 0
        /// Target messages sent, as "DEVICE MESSAGE", in order.
        public var messages: [String] = []
        /// What a message does: the device's new status line (e.g. a held metadata root after
        /// reserve_metadata_snap), by message.
        public var statusAfterMessage: [String: String] = [:]
        /// Messages that fail, by message.
        public var messageErrors: [String: DeviceMapperError] = [:]
    }

    public let state = Locked(State())

    public init() {}

    public func tableGeneration() -> UInt64? { state.withLock { $0.generation } }
    public func versions() -> DeviceMapperVersions {
        DeviceMapperVersions(library: "1.02.185 (2022-05-18)", driver: "4.47.0", udevSync: false)
    }

    static func targets(_ s: String) -> [Target] {
        let w = s.split(separator: " ", maxSplits: 3)
        return [Target(start: UInt64(w[0])!, length: UInt64(w[1])!, type: String(w[2]), params: w.count > 3 ? String(w[3]) : "")]
    }

    /// Adds a device from its `dmsetup table` and `dmsetup status` lines (without the name).
    public func add(_ name: String, minor: UInt32, event: UInt32 = 1, table: String, status: String) {
        state.update {
            $0.devices[name] = Device(
                info: DeviceInfo(name: name, uuid: nil, number: DeviceNumber(major: 254, minor: minor), eventNumber: event),
                table: Self.targets(table), status: Self.targets(status))
            $0.order.append(name)
        }
    }

    /// Removes a device.
    public func remove(_ name: String) {
        state.update {
            $0.devices[name] = nil
            $0.order.removeAll { $0 == name }
        }
    }

    /// A new status line for a device; `event` moves its event number (a pool event), `global`
    /// moves the table generation (a resume).
    public func set(_ name: String, status: String, event: Bool, global: Bool = false) {
        state.update { s in
            s.devices[name]?.status = Self.targets(status)
            if event, let e = s.devices[name]?.info.eventNumber { s.devices[name]?.info.eventNumber = e + 1 }
            if global { s.generation = (s.generation ?? 0) + 1 }
        }
    }

    /// Changes a device's info (suspended, an inactive table, a deferred removal).
    public func setInfo(_ name: String, _ change: @Sendable (inout DeviceInfo) -> Void) {
        state.update { s in
            if var info = s.devices[name]?.info {
                change(&info)
                s.devices[name]?.info = info
            }
        }
    }

    public func calls(_ prefix: String) -> Int { state.withLock { $0.calls.filter { $0.hasPrefix(prefix) }.count } }

    public func listDevices() throws(DeviceMapperError) -> [DeviceListEntry] {
        let (list, hold) = try state.update { s throws(DeviceMapperError) in
            s.calls.append("LIST")
            if let e = s.listError { throw e }
            if s.holdLists { s.listsHeld += 1 }
            let list = s.order.map {
                DeviceListEntry(name: $0, number: s.devices[$0]!.info.number, eventNumber: s.devices[$0]!.info.eventNumber)
            }
            return (list, s.holdLists)
        }
        if hold { _ = state.wait { s in s.holdLists && !s.closed ? nil : true } }
        return list
    }

    func device(_ name: String, _ op: String) throws(DeviceMapperError) -> Device {
        try state.withLock { s throws(DeviceMapperError) in
            s.calls.append("\(op) \(name)")
            if op == "STATUS", let e = s.statusErrors[name] { throw e }
            if op == "STATUS", s.vanishOnStatus.contains(name) {
                s.devices[name] = nil
                s.order.removeAll { $0 == name }
            }
            guard let d = s.devices[name] else { throw DeviceMapperError(.noSuchDevice, .status, device: name) }
            return d
        }
    }

    public func info(_ name: String) throws(DeviceMapperError) -> DeviceInfo { try device(name, "INFO").info }
    public func table(_ name: String) throws(DeviceMapperError) -> DeviceTargets {
        let d = try device(name, "TABLE")
        return DeviceTargets(info: d.info, targets: d.table)
    }
    public func status(_ name: String) throws(DeviceMapperError) -> DeviceTargets {
        let d = try device(name, "STATUS")
        return DeviceTargets(info: d.info, targets: d.status)
    }
    public func dependencies(_ name: String) throws(DeviceMapperError) -> [DeviceNumber] { [] }

    /// Blocks until the device's event number passes `eventNumber` (or the device goes, or the
    /// test closes the client).
    public func waitEvent(_ name: String, after eventNumber: UInt32) throws(DeviceMapperError) -> UInt32 {
        enum Outcome {
            case event(UInt32)
            case error(DeviceMapperError)
        }
        switch state.wait({ s -> Outcome? in
            if let e = s.waitEventError { return .error(e) }
            guard !s.closed, let d = s.devices[name] else { return .error(DeviceMapperError(.noSuchDevice, .waitEvent, device: name)) }
            if let e = d.info.eventNumber, e != eventNumber { return .event(e) }
            return nil
        })! {
        case .event(let e): return e
        case .error(let e): throw e
        }
    }

    public func reload(_ name: String, targets: [Target]) throws(DeviceMapperError) {}
    public func suspend(_ name: String, noFlush: Bool) throws(DeviceMapperError) {}
    public func resume(_ name: String) throws(DeviceMapperError) {}
    public func message(_ name: String, sector: UInt64, _ message: String) throws(DeviceMapperError) -> String? {
        try state.withLock { s throws(DeviceMapperError) in
            s.messages.append("\(name) \(message)")
            if let e = s.messageErrors[message] { throw e }
            guard var d = s.devices[name] else { throw DeviceMapperError(.noSuchDevice, .message, device: name) }
            if let line = s.statusAfterMessage[message], let first = d.status.first {
                d.status = [Target(start: first.start, length: first.length, type: first.type, params: line)]
                s.devices[name] = d
            }
            return nil
        }
    }
}

/// A scripted ARM_POLL watcher: the test raises events and sees the arms.
public final class ScriptedEventWatcher: DeviceEventWatcher, Sendable {
    public struct State: Sendable {
        public var armed = 0
        public var pending = false
        public var woken = false
        public var waits = 0
        /// A wait is in progress (the watcher has read what it had to and sleeps).
        public var waiting = false
    }

    public let state = Locked(State())

    public init() {}

    /// Blocks (at most 10 s) until the watcher waits for an event: a change made then is seen
    /// through the event, not by the read before the wait. False on timeout.
    @discardableResult
    public func awaitWaiting() -> Bool {
        state.wait(until: Locked<State>.deadline(after: 10)) { $0.waiting ? true : nil } ?? false
    }

    /// A dm event, as the kernel would raise it.
    public func fire() { state.update { $0.pending = true } }

    public func arm() throws(DeviceMapperError) { state.withLock { $0.armed += 1 } }

    public func wait(timeout: Duration) -> DeviceEventWake {
        let (s, a) = timeout.components
        let seconds = Double(s) + Double(a) / 1e18
        state.update { $0.waiting = true }
        defer { state.update { $0.waiting = false } }
        let r = state.wait(until: Locked<State>.deadline(after: seconds)) { s -> DeviceEventWake? in
            if s.woken {
                s.woken = false
                return .woken
            }
            if s.pending {
                s.pending = false
                return .event
            }
            return nil
        }
        state.withLock { $0.waits += 1 }
        return r ?? .timeout
    }

    public func wake() { state.update { $0.woken = true } }
}
