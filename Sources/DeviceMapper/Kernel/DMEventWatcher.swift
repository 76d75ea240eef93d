import CDeviceMapperShims
import ThinPoolCore

#if canImport(Glibc)
    import Glibc
#endif

/// Watches every device-mapper device at once: DM_DEV_ARM_POLL on a control fd of our own,
/// then poll(2) on it (dm ioctl >= 4.37). Any dm event -- a pool reaching its low water mark,
/// changing mode, a resume -- makes the fd readable.
///
/// Use: ``arm()``, then read what you need, then ``wait(timeout:)``: an event after the arm is
/// never missed. ``wake()`` ends a wait from another thread (shutdown).
public final class KernelEventWatcher: DeviceEventWatcher, @unchecked Sendable {
    private let fd: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32

    /// Opens the control device and arms it once; throws `.unsupported` when the kernel has no
    /// ARM_POLL (EINVAL/ENOTTY: dm ioctl < 4.37).
    public init(controlPath: String = "/dev/mapper/control") throws(DeviceMapperError) {
        let fd = cdm_control_open(controlPath)
        guard fd >= 0 else {
            throw DeviceMapperError(DeviceMapperError.code(forErrno: -fd), .armPoll, errno: -fd, detail: "\(controlPath): open failed")
        }
        var pipeFds: [Int32] = [0, 0]
        guard pipe(&pipeFds) == 0 else {
            let e = errno
            close(fd)
            throw DeviceMapperError(.failed, .armPoll, errno: e, detail: "pipe2 failed")
        }
        for p in pipeFds {
            _ = fcntl(p, F_SETFD, FD_CLOEXEC)
            _ = fcntl(p, F_SETFL, fcntl(p, F_GETFL) | O_NONBLOCK)
        }
        self.fd = fd
        wakeRead = pipeFds[0]
        wakeWrite = pipeFds[1]
        try arm()
    }

    deinit {
        close(fd)
        close(wakeRead)
        close(wakeWrite)
    }

    /// DM_DEV_ARM_POLL: the next event on any device makes the fd readable.
    public func arm() throws(DeviceMapperError) {
        let r = cdm_arm_poll(fd)
        guard r == 0 else {
            let code: DeviceMapperError.Code = (-r == EINVAL || -r == ENOTTY) ? .unsupported : DeviceMapperError.code(forErrno: -r)
            throw DeviceMapperError(code, .armPoll, errno: -r)
        }
    }

    /// Waits for a dm event, `timeout`, or ``wake()``.
    public func wait(timeout: Duration) -> DeviceEventWake {
        let ms = max(0, Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000))
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        let n = poll(&fds, 2, ms)
        if n <= 0 { return .timeout }
        if fds[1].revents != 0 {
            var buf = [UInt8](repeating: 0, count: 64)
            while read(wakeRead, &buf, buf.count) > 0 {}
            return .woken
        }
        return fds[0].revents & Int16(POLLIN) != 0 ? .event : .timeout
    }

    /// Ends a wait in progress (or the next one) at once.
    public func wake() {
        var b: UInt8 = 1
        _ = write(wakeWrite, &b, 1)
    }
}
