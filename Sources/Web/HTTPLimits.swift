import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// Limits that keep a slow or hostile client from exhausting the server.
public struct HTTPLimits: Sendable {
    /// Open connections at most; past it the longest-idle connection is closed.
    public var maxConnections = 64
    /// A request's head must arrive within this time of the connection opening.
    public var headerTimeout: TimeAmount = .seconds(10)
    /// A kept-alive connection with no new request for this long is closed.
    public var idleTimeout: TimeAmount = .seconds(90)
    /// Request bodies (none expected) above this are refused with 413.
    public var maxBodyBytes = 16 * 1024
    /// One header line / all header lines / header count.
    public var maxHeaderFieldBytes = 16 * 1024
    public var maxHeaderListBytes = 32 * 1024
    public var maxHeaderCount = 100
    /// Threads that answer requests. Answers block (ioctls, a wait for a collection in flight),
    /// so this many requests are answered at once: concurrent scrapes share one collection
    /// only when each has a thread to wait on.
    public var answeringThreads = 16

    public init() {}
}
