import SystemIO
import ThinPoolCore

#if canImport(Glibc)
    import Glibc
#endif

/// Device-mapper read from a directory of saved `dmsetup` output, so the real binary runs
/// without root or a kernel with device-mapper, and a bug report from another host replays.
///
/// The directory holds `table` (`dmsetup table`), `status` (`dmsetup status`) and optionally
/// `info` (`dmsetup info -c` or `dmsetup info`, giving device numbers, event numbers and
/// uuids) and `version` (`dmsetup version`: the library and driver versions docker info
/// shows; a fixture says nothing of udev unless the file has a line "Udev sync supported:
/// true|false"). The files are re-read at every ``listDevices()``, so a test can change them between
/// reads; the other calls answer from the files as last read. Writes are refused.
public final class FixtureDeviceMapper: DeviceMapperClient {
    /// Fixture files do not change under a running reader (tests that change them change the
    /// event numbers too): one generation.
    public func tableGeneration() -> UInt64? { 0 }

    public let directory: String
    private let loaded = Locked<FixtureSet?>(nil)

    public init(directory: String) {
        self.directory = directory
    }

    struct Device {
        var info: DeviceInfo
        var table: [Target]
        var status: [Target]
    }

    struct FixtureSet {
        var names: [String]
        var devices: [String: Device]
    }

    /// Reads and validates the directory now (also what every ``listDevices()`` does).
    @discardableResult
    public func load() throws(DeviceMapperError) -> [String] {
        let set = try readSet()
        loaded.withLock { $0 = set }
        return set.names
    }

    private func readSet() throws(DeviceMapperError) -> FixtureSet {
        let tableText = try readFixtureFile("table", what: "dmsetup table") ?? ""
        let statusText = try readFixtureFile("status", what: "dmsetup status") ?? ""
        let infoText = try readFixtureFile("info", what: "dmsetup info -c", optional: true)
        let tableLines = try DmsetupOutput.parseTargets(tableText, file: "\(directory)/table")
        let statusLines = try DmsetupOutput.parseTargets(statusText, file: "\(directory)/status")
        let infos = try infoText.map { (t) throws(DeviceMapperError) in try DmsetupOutput.parseInfo(t, file: "\(directory)/info") } ?? []
        var infoByName: [String: DmsetupOutput.InfoRecord] = [:]
        for r in infos { infoByName[r.name] = r }

        var names: [String] = []
        var devices: [String: Device] = [:]
        for line in tableLines {
            if devices[line.name] == nil {
                names.append(line.name)
                let r = infoByName[line.name]
                devices[line.name] = Device(
                    info: DeviceInfo(
                        name: line.name, uuid: r?.uuid, number: r?.number, eventNumber: r?.eventNumber,
                        openCount: r?.openCount ?? 0, targetCount: 0,
                        suspended: r?.suspended ?? false, readOnly: r?.readOnly ?? false),
                    table: [], status: [])
            }
            if let t = line.target {
                devices[line.name]!.table.append(t)
                devices[line.name]!.info.targetCount += 1
            }
        }
        // Devices in status but not in table were captured at another moment; the table decides.
        for line in statusLines {
            if let t = line.target, devices[line.name] != nil { devices[line.name]!.status.append(t) }
        }
        for name in names { try Self.checkTargets(devices[name]!, name: name) }
        return FixtureSet(names: names, devices: devices)
    }

    /// A device's status lines name the same targets as its table lines, in order (the kernel
    /// prints both from one table). A device whose status lines are missing was captured at
    /// another moment and passes; one whose lines disagree -- a target type changed in the
    /// saved output, a line lost -- is a malformed fixture, never a device left out unnoticed.
    static func checkTargets(_ d: Device, name: String) throws(DeviceMapperError) {
        guard !d.status.isEmpty else { return }
        guard d.status.count == d.table.count else {
            throw DeviceMapperError(
                .badFixture, .readFixture,
                detail:
                    "\(d.status[0].origin ?? "status"): device \(name) has \(d.table.count) table line(s) but \(d.status.count) status line(s)"
            )
        }
        for (t, st) in zip(d.table, d.status) where t.type != st.type || t.start != st.start || t.length != st.length {
            throw DeviceMapperError(
                .badFixture, .readFixture,
                detail:
                    "\(st.origin ?? "status"): device \(name): its table (\(t.origin ?? "table")) has target \(visible(t.type)) at \(t.start)+\(t.length), its status \(visible(st.type)) at \(st.start)+\(st.length)"
            )
        }
    }

    /// A target type as written, quoted, with control characters (a NUL in saved output) shown.
    static func visible(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u.value {
            case 0: out += "\\0"
            case 1..<0x20, 0x7f: out += "\\x" + String(u.value, radix: 16, uppercase: true).leftPad(2)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    private func readFixtureFile(_ name: String, what: String, optional: Bool = false) throws(DeviceMapperError) -> String? {
        let path = "\(directory)/\(name)"
        do {
            return try readTextFile(path, limit: 256 << 20, lenient: true)
        } catch {
            if error.isMissing && optional { return nil }
            var detail = error.description
            if error.isMissing { detail += " (a fixture directory holds the output of `\(what)` in a file named '\(name)')" }
            throw DeviceMapperError(.badFixture, .readFixture, errno: error.errno?.rawValue ?? EFBIG, detail: detail)
        }
    }

    private func current() throws(DeviceMapperError) -> FixtureSet {
        if let set = loaded.withLock({ $0 }) { return set }
        let set = try readSet()
        loaded.withLock { $0 = set }
        return set
    }

    private func device(_ name: String, _ op: DeviceMapperError.Operation) throws(DeviceMapperError) -> Device {
        guard let d = try current().devices[name] else {
            throw DeviceMapperError(.noSuchDevice, op, device: name, errno: ENXIO)
        }
        return d
    }

    public func listDevices() throws(DeviceMapperError) -> [DeviceListEntry] {
        let set = try readSet()
        loaded.withLock { $0 = set }
        return set.names.map { name in
            let info = set.devices[name]!.info
            return DeviceListEntry(name: name, number: info.number, eventNumber: info.eventNumber, uuid: info.uuid)
        }
    }

    public func info(_ name: String) throws(DeviceMapperError) -> DeviceInfo { try device(name, .info).info }

    public func table(_ name: String) throws(DeviceMapperError) -> DeviceTargets {
        let d = try device(name, .table)
        return DeviceTargets(info: d.info, targets: d.table)
    }

    public func status(_ name: String) throws(DeviceMapperError) -> DeviceTargets {
        let d = try device(name, .status)
        return DeviceTargets(info: d.info, targets: d.status)
    }

    /// From an optional `deps` file (`dmsetup deps` output); unsupported without one.
    public func dependencies(_ name: String) throws(DeviceMapperError) -> [DeviceNumber] {
        guard let text = try readFixtureFile("deps", what: "dmsetup deps", optional: true) else {
            throw DeviceMapperError(
                .unsupported, .deps, device: name,
                detail: "the fixture \(directory) has no 'deps' file (`dmsetup deps`)")
        }
        let deps = try DmsetupOutput.parseDeps(text, file: "\(directory)/deps")
        guard let d = deps[name] else { throw DeviceMapperError(.noSuchDevice, .deps, device: name, errno: ENXIO) }
        return d
    }

    public func waitEvent(_ name: String, after eventNumber: UInt32) throws(DeviceMapperError) -> UInt32 {
        throw refused(.waitEvent, name)
    }

    /// From the optional `version` file (`dmsetup version`); empty without it.
    public func versions() -> DeviceMapperVersions {
        guard let text = try? readFixtureFile("version", what: "dmsetup version", optional: true) else {
            return DeviceMapperVersions()
        }
        return DeviceMapperVersions.parse(dmsetupVersion: text)
    }

    public func reload(_ name: String, targets: [Target]) throws(DeviceMapperError) { throw refused(.reload, name) }
    public func suspend(_ name: String, noFlush: Bool) throws(DeviceMapperError) { throw refused(.suspend, name) }
    public func resume(_ name: String) throws(DeviceMapperError) { throw refused(.resume, name) }
    public func message(_ name: String, sector: UInt64, _ message: String) throws(DeviceMapperError) -> String? {
        throw refused(.message, name)
    }

    private func refused(_ op: DeviceMapperError.Operation, _ name: String) -> DeviceMapperError {
        DeviceMapperError(
            .unsupported, op, device: name,
            detail: "the fixture source (\(directory)) is read-only")
    }
}

extension String {
    fileprivate func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
