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
            func trim(_ s: Substring) -> String {
                String(s.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
            }
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
