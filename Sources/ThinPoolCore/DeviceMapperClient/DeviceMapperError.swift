import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// A failed device-mapper operation: which operation, on which device, the errno the kernel
/// returned and what libdevmapper said about it.
public struct DeviceMapperError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure this is, so callers can react without reading text.
    public enum Code: String, Hashable, Sendable {
        /// The kernel has no device-mapper (no /dev/mapper/control, ENODEV/ENOENT).
        case notAvailable
        /// The caller lacks root / CAP_SYS_ADMIN (EPERM, EACCES).
        case permissionDenied
        /// The device does not exist (ENXIO, or the kernel answered with exists == 0).
        case noSuchDevice
        /// The device is busy (EBUSY).
        case busy
        /// The kernel or libdevmapper rejected an argument (EINVAL, a name too long...).
        case invalidArgument
        /// The source cannot do this at all (a fixture cannot reload a table).
        case unsupported
        /// A fixture file could not be read or is malformed.
        case badFixture
        /// Anything else; `errno` says more.
        case failed
    }

    /// The device-mapper operation that failed.
    public enum Operation: String, Hashable, Sendable {
        case list = "LIST"
        case info = "INFO"
        case table = "TABLE"
        case deps = "DEPS"
        case status = "STATUS"
        case waitEvent = "WAITEVENT"
        case armPoll = "ARM_POLL"
        case reload = "RELOAD"
        case suspend = "SUSPEND"
        case resume = "RESUME"
        case message = "TARGET_MSG"
        case version = "VERSION"
        case create = "CREATE"
        case remove = "REMOVE"
        case readFixture = "read fixture"
    }

    public var code: Code
    public var operation: Operation
    public var device: String?
    /// The errno of the failed ioctl or system call, when there was one.
    public var errno: Errno?
    /// libdevmapper's own error message, or a fixture's file, line and problem.
    public var detail: String?

    public init(
        _ code: Code, _ operation: Operation, device: String? = nil, errno: Int32? = nil,
        detail: String? = nil
    ) {
        self.code = code
        self.operation = operation
        self.device = device
        self.errno = errno.map { Errno(rawValue: $0) }
        self.detail = detail
    }

    /// The code an errno stands for.
    public static func code(forErrno e: Int32) -> Code {
        switch e {
        case ENODEV, ENOENT: return .notAvailable
        case EPERM, EACCES: return .permissionDenied
        case ENXIO: return .noSuchDevice
        case EBUSY: return .busy
        case EINVAL, ENAMETOOLONG: return .invalidArgument
        default: return .failed
        }
    }

    public var description: String {
        let errnoText = errno.map { "\($0.description) (errno \($0.rawValue))" }
        let what = device.map { "\(operation.rawValue) \($0)" } ?? operation.rawValue
        switch code {
        case .notAvailable:
            return "device-mapper is not available in this kernel: /dev/mapper/control: "
                + (errnoText ?? "cannot be opened")
                + " (load the dm-mod module, or use --dm.fixtures DIR to read saved dmsetup output)"
        case .permissionDenied:
            return "permission denied for device-mapper \(what): "
                + (errnoText ?? detail ?? "refused")
                + " (device-mapper ioctls need root or CAP_SYS_ADMIN)"
        case .noSuchDevice:
            return "no device-mapper device \(device.map { "'\($0)'" } ?? "") (\(operation.rawValue))"
        case .badFixture:
            return detail ?? "malformed fixture"
        default:
            var parts = ["device-mapper \(what) failed"]
            if let errnoText { parts.append(errnoText) }
            if let detail { parts.append(detail) }
            return parts.joined(separator: ": ")
        }
    }
}

extension DeviceMapperError {
    /// Failures that concern device-mapper as a whole, not one device.
    public var isGlobal: Bool {
        code == .notAvailable || code == .permissionDenied || code == .badFixture
    }
}
