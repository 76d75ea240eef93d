/// Watches every device-mapper device at once for events (the kernel's DM_DEV_ARM_POLL + poll):
/// ``arm()``, then read what is needed, then ``wait(timeout:)`` -- an event after the arm is
/// never missed. ``wake()`` ends a wait from another thread (a stop, a new poll interval).
public protocol DeviceEventWatcher: AnyObject, Sendable {
    /// Arms the watcher: the next event on any device ends the next wait.
    func arm() throws(DeviceMapperError)
    /// Waits for a dm event since the last arm, `timeout`, or ``wake()``.
    func wait(timeout: Duration) -> DeviceEventWake
    /// Ends a wait in progress (or the next one) at once. Safe from any thread.
    func wake()
}

/// Why ``DeviceEventWatcher/wait(timeout:)`` returned.
public enum DeviceEventWake: Sendable, Equatable {
    /// A dm event happened since the last arm.
    case event
    case timeout
    /// ``DeviceEventWatcher/wake()`` was called.
    case woken
}
