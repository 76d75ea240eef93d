import Foundation

/// Starts a named thread running `body`: the one way work runs off the caller's thread here.
/// Blocking calls (a DM_DEV_WAIT ioctl, a POST, a table reload, draining a pipe) each get a
/// thread of their own and report through a ``Locked`` state, never through a queue or a task.
public func startThread(named name: String, _ body: @escaping @Sendable () -> Void) {
    let thread = Thread(block: body)
    thread.name = name
    thread.start()
}
