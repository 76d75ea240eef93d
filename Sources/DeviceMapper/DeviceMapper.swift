/// The device-mapper operations thinpool-exporter needs, behind one protocol so the real
/// kernel (``LibDeviceMapper``) and a directory of `dmsetup` output (``FixtureDeviceMapper``)
/// are interchangeable everywhere above this module.
///
/// Every method throws ``DeviceMapperError``. Implementations are safe to call from any thread.
public protocol DeviceMapper: Sendable {
    /// Every device-mapper device (DM_DEVICE_LIST): name, device number and, where the kernel
    /// reports it (dm ioctl >= 4.37), the event number.
    func listDevices() throws -> [DeviceListEntry]

    /// DM_DEVICE_INFO of one device. Throws `.noSuchDevice` when it does not exist.
    func info(_ name: String) throws -> DeviceInfo

    /// The live table of one device (DM_DEVICE_TABLE).
    func table(_ name: String) throws -> DeviceTargets

    /// The status of one device (DM_DEVICE_STATUS), always with DM_STATUS_NOFLUSH: a status
    /// read without it commits thin-pool metadata.
    func status(_ name: String) throws -> DeviceTargets

    /// The devices this device's live table uses (DM_DEVICE_DEPS). Used where the table
    /// cannot say: a thin volume of a failed pool reports its table as `Fail`.
    func dependencies(_ name: String) throws -> [DeviceNumber]

    /// Blocks until the device's event number differs from `eventNumber`; returns the new one
    /// (DM_DEV_WAIT). Does not hold up other calls.
    func waitEvent(_ name: String, after eventNumber: UInt32) throws -> UInt32

    /// Loads `targets` as the device's inactive table (DM_DEVICE_RELOAD).
    func reload(_ name: String, targets: [Target]) throws

    /// DM_DEVICE_SUSPEND. `noFlush` leaves in-flight I/O queued instead of flushing it.
    func suspend(_ name: String, noFlush: Bool) throws

    /// DM_DEVICE_RESUME: makes a loaded inactive table live.
    func resume(_ name: String) throws

    /// Sends a target message (DM_DEVICE_TARGET_MSG); returns the target's answer, if any.
    func message(_ name: String, sector: UInt64, _ message: String) throws -> String?

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

/// Versions of the device-mapper library and kernel driver, and udev synchronisation, as
/// docker's devmapper driver reads them.
public struct DeviceMapperVersions: Hashable, Sendable {
    /// "1.02.185 (2022-05-18)"; nil when unknown.
    public var library: String?
    /// The kernel's dm ioctl version, "4.47.0"; nil when unknown.
    public var driver: String?
    /// dm_udev_get_sync_support(); nil when unknown (a fixture that does not say).
    public var udevSync: Bool?

    public init(library: String? = nil, driver: String? = nil, udevSync: Bool? = nil) {
        self.library = library
        self.driver = driver
        self.udevSync = udevSync
    }

    /// Whether the kernel supports deferred removal (dm ioctl 4.27 or later), docker's test
    /// before it turns deferred removal and deletion on by default; nil when unknown.
    public var driverSupportsDeferredRemoval: Bool? {
        guard let driver else { return nil }
        let parts = driver.split(separator: ".").map { Int($0) }
        guard parts.count >= 2, let major = parts[0], let minor = parts[1] else { return nil }
        return major > 4 || (major == 4 && minor >= 27)
    }

    /// Parses `dmsetup version` output ("Library version:   1.02.185 (2022-05-18)", "Driver
    /// version:    4.47.0"), as a fixture keeps it.
    public static func parse(dmsetupVersion text: String) -> DeviceMapperVersions {
        var v = DeviceMapperVersions()
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            func trim(_ s: Substring) -> String { String(s.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed()) }
            let value = trim(parts[1])
            switch trim(parts[0]).lowercased() {
            case "library version": v.library = value
            case "driver version": v.driver = value
            case "udev sync supported": v.udevSync = value == "true"
            default: break
            }
        }
        return v
    }
}

/// A device's number, `major:minor`, as tables print it.
public struct DeviceNumber: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var major: UInt32
    public var minor: UInt32

    public init(major: UInt32, minor: UInt32) {
        self.major = major
        self.minor = minor
    }

    /// Parses `"253:0"`; nil for anything else.
    public init?(_ text: some StringProtocol) {
        guard let colon = text.firstIndex(of: ":"),
              let major = UInt32(text[text.startIndex..<colon]),
              let minor = UInt32(text[text.index(after: colon)...])
        else { return nil }
        self.init(major: major, minor: minor)
    }

    /// Decodes the kernel's `huge_encode_dev` form (DM_DEVICE_LIST's `dev`):
    /// minor bits 0-7 and 20-31, major bits 8-19.
    public init(kernelEncoded dev: UInt64) {
        self.init(major: UInt32((dev & 0xfff00) >> 8),
                  minor: UInt32((dev & 0xff) | ((dev >> 12) & 0xfff00)))
    }

    /// Decodes a glibc `dev_t` (what libdevmapper hands back from DM_DEVICE_DEPS):
    /// gnu_dev_major / gnu_dev_minor.
    public init(userspaceDev dev: UInt64) {
        self.init(major: UInt32((dev >> 8) & 0xfff) | UInt32((dev >> 32) & ~UInt64(0xfff)),
                  minor: UInt32(dev & 0xff) | UInt32((dev >> 12) & ~UInt64(0xff)))
    }

    public var description: String { "\(major):\(minor)" }

    public static func < (a: DeviceNumber, b: DeviceNumber) -> Bool {
        (a.major, a.minor) < (b.major, b.minor)
    }
}

/// One record of DM_DEVICE_LIST.
public struct DeviceListEntry: Hashable, Sendable {
    public var name: String
    /// nil only for a fixture without an `info` file.
    public var number: DeviceNumber?
    /// nil when the kernel does not report it in the list (dm ioctl < 4.37) or a fixture
    /// has no `info` file.
    public var eventNumber: UInt32?
    /// nil when unknown (kernels before dm ioctl 4.45 do not list uuids); "" for none.
    public var uuid: String?

    public init(name: String, number: DeviceNumber?, eventNumber: UInt32?, uuid: String? = nil) {
        self.name = name
        self.number = number
        self.eventNumber = eventNumber
        self.uuid = uuid
    }
}

/// What the kernel says about one device (struct dm_info plus name and uuid).
public struct DeviceInfo: Hashable, Sendable {
    public var name: String
    /// nil when the device has none (an empty uuid).
    public var uuid: String?
    /// Always known from the kernel; nil for a fixture without an `info` file.
    public var number: DeviceNumber?
    /// Always known from the kernel; nil for a fixture without an `info` file.
    public var eventNumber: UInt32?
    public var openCount: Int32
    public var targetCount: Int32
    public var suspended: Bool
    public var readOnly: Bool
    public var liveTable: Bool
    public var inactiveTable: Bool

    public init(
        name: String, uuid: String?, number: DeviceNumber?, eventNumber: UInt32?,
        openCount: Int32 = 0, targetCount: Int32 = 0, suspended: Bool = false,
        readOnly: Bool = false, liveTable: Bool = true, inactiveTable: Bool = false
    ) {
        self.name = name
        self.uuid = uuid.flatMap { $0.isEmpty ? nil : $0 }
        self.number = number
        self.eventNumber = eventNumber
        self.openCount = openCount
        self.targetCount = targetCount
        self.suspended = suspended
        self.readOnly = readOnly
        self.liveTable = liveTable
        self.inactiveTable = inactiveTable
    }
}

/// One line of a table or status: `<start> <length> <target type> <params>`.
public struct Target: Hashable, Sendable, CustomStringConvertible {
    /// First sector of the device this target maps.
    public var start: UInt64
    /// Length in 512-byte sectors.
    public var length: UInt64
    public var type: String
    public var params: String
    /// Where the line came from, for error messages: `"status:3"` for a fixture file's line;
    /// nil for the kernel.
    public var origin: String?

    public init(start: UInt64, length: UInt64, type: String, params: String, origin: String? = nil) {
        self.start = start
        self.length = length
        self.type = type
        self.params = params
        self.origin = origin
    }

    public var description: String {
        params.isEmpty ? "\(start) \(length) \(type)" : "\(start) \(length) \(type) \(params)"
    }

    public static func == (a: Target, b: Target) -> Bool {
        a.start == b.start && a.length == b.length && a.type == b.type && a.params == b.params
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(start)
        hasher.combine(length)
        hasher.combine(type)
        hasher.combine(params)
    }
}

/// A device's info together with its table or status lines, read by one ioctl.
public struct DeviceTargets: Hashable, Sendable {
    public var info: DeviceInfo
    public var targets: [Target]

    public init(info: DeviceInfo, targets: [Target]) {
        self.info = info
        self.targets = targets
    }
}
