import CDeviceMapper
import CDeviceMapperShims
import Logging
import Synchronization
import SystemIO
import ThinPoolCore

#if canImport(Glibc)
    import Glibc
#endif

// Every call into libdevmapper goes through this file: one owner per dm_task, failures turned
// into DeviceMapperError, and one process-wide lock because libdevmapper keeps global,
// unlocked state (its control fd, its log function, udev cookies).

/// One message libdevmapper logged during the current locked call.
struct LibdevmapperMessage: Sendable {
    var level: Int32
    var errno: Int32
    var text: String
}

/// Serialises libdevmapper and collects what it logs while a call runs.
enum Libdevmapper {
    /// Messages from the call in progress. Written by the log callback, which libdevmapper only
    /// invokes from inside a call we make while holding `lock`.
    nonisolated(unsafe) static var pending: [LibdevmapperMessage] = []

    static let lock = Locked<Bool>(false)

    /// Set once libdevmapper has reached the kernel (and created /dev/mapper/control if it
    /// was missing, as it does without udev).
    private static let controlReady = Atomic<Bool>(false)

    /// Runs `check` (a libdevmapper call) until it has succeeded once. Once it has, a load:
    /// every read asks.
    static func ensureControl(_ check: () throws(DeviceMapperError) -> Void) throws(DeviceMapperError) {
        if controlReady.load(ordering: .acquiring) { return }
        try check()
        controlReady.store(true, ordering: .releasing)
    }

    /// Runs `body` with libdevmapper to ourselves; returns its result and what was logged.
    static func locked<T, Failure: Error>(_ body: () throws(Failure) -> T) throws(Failure) -> (T, [LibdevmapperMessage]) {
        try lock.withLock { (installed) throws(Failure) in
            if !installed {
                // Before the first dm_* call: otherwise libdevmapper prints straight to stderr.
                cdm_log_install(libdmLogSink, 4)
                dm_set_name_mangling_mode(DM_STRING_MANGLING_NONE)
                installed = true
            }
            pending.removeAll(keepingCapacity: true)
            defer { pending.removeAll(keepingCapacity: true) }
            let value = try body()
            return (value, pending)
        }
    }
}

private let libdmLogSink: cdm_log_sink = { level, _, _, errnoOrClass, message in
    guard let message else { return }
    // Errors (<= 3) may carry an errno (libdevmapper passes -1 for "none"); debug messages
    // carry a class we do not use.
    Libdevmapper.pending.append(
        LibdevmapperMessage(
            level: level, errno: level <= 3 && errnoOrClass > 0 ? errnoOrClass : 0,
            text: String(cString: message))
    )
}

extension Libdevmapper {
    /// Why libdevmapper cannot reach the kernel, as an errno, found by opening the control
    /// device ourselves (libdevmapper logs the reason only as text): ENODEV when the driver
    /// is missing (also when /proc/misc has no device-mapper entry), EACCES when not
    /// permitted, 0 when the control device opens fine.
    static func probeControl(_ path: String = "/dev/mapper/control") -> Int32 {
        let fd = cdm_control_open(path)
        if fd >= 0 {
            close(fd)
            return 0
        }
        if -fd == ENOENT, let misc = try? readTextFile("/proc/misc", lenient: true), !misc.contains("device-mapper") {
            return ENODEV
        }
        return -fd
    }
}
