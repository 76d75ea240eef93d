import CDeviceMapper
import CDeviceMapperShims
import Logging
import SystemIO
import ThinPoolCore

#if canImport(Glibc)
    import Glibc
#endif

/// The generation behind ``KernelDeviceMapper/tableGeneration()``: one armed control fd, shared by
/// copies of the client.
final class TableGenerationTracker: Sendable {
    private struct State {
        /// -1: ARM_POLL unsupported (or the control device cannot be opened).
        var fd: Int32
        var generation: UInt64
    }

    private let state = Locked<State?>(nil)

    func next(controlPath: String) -> UInt64? {
        state.withLock { s in
            guard var current = s else {
                let fd = cdm_control_open(controlPath)
                guard fd >= 0 else { return nil }  // tried again next time (e.g. a module loaded later)
                guard cdm_arm_poll(fd) == 0 else {
                    close(fd)
                    s = State(fd: -1, generation: 0)
                    return nil
                }
                s = State(fd: fd, generation: 1)
                return 1
            }
            if current.fd < 0 { return nil }
            // Readable: an event since the arm. Re-arm first, then count: a table read after
            // this call reflects every change up to the re-arm, and a later one moves it again.
            if cdm_poll_event(current.fd) != 0 {
                _ = cdm_arm_poll(current.fd)
                current.generation += 1
                s = current
            }
            return current.generation
        }
    }

    deinit {
        if let fd = state.withLock({ $0?.fd }), fd >= 0 { close(fd) }
    }
}
