import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import SystemIO

/// The HTTP(S) server as a Service: binds every listen address, serves until graceful shutdown,
/// then stops accepting, lets answers in flight finish (up to `drainTimeout`) and closes.
public final class HTTPServer: Service, Sendable {
    public let listenAddresses: [ListenAddress]
    public let router: Router
    public let limits: HTTPLimits
    public let tls: ServerTLS?
    public let logger: Logger
    public let drainTimeout: Duration
    private let group: MultiThreadedEventLoopGroup
    private let threadPool: NIOThreadPool
    private let registry: ConnectionRegistry
    /// Fulfilled with the bound addresses once listening (tests use port 0).
    private let bound = Locked<[SocketAddress]?>(nil)

    public init(
        listenAddresses: [ListenAddress], router: Router, limits: HTTPLimits = HTTPLimits(),
        tls: ServerTLS? = nil, logger: Logger, drainTimeout: Duration = .seconds(5)
    ) {
        self.listenAddresses = listenAddresses
        self.router = router
        self.limits = limits
        self.tls = tls
        self.logger = logger
        self.drainTimeout = drainTimeout
        // One event loop is plenty for scrapes; blocking work (ioctls, bcrypt, waits for a
        // shared collection) goes to the pool.
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        threadPool = NIOThreadPool(numberOfThreads: max(1, limits.answeringThreads))
        registry = ConnectionRegistry(limit: limits.maxConnections)
    }

    /// The addresses the server listens on, once it does.
    public var boundAddresses: [SocketAddress]? { bound.withLock { $0 } }

    public func run() async throws {
        threadPool.start()
        var channels: [any Channel] = []
        do {
            for address in listenAddresses {
                let channel = try await bind(address)
                channels.append(channel)
                let local =
                    channel.localAddress.map { a in
                        a.ipAddress.map { ip in ip.contains(":") ? "[\(ip)]:\(a.port ?? 0)" : "\(ip):\(a.port ?? 0)" } ?? "\(a)"
                    } ?? "?"
                logger.info("listening", metadata: ["address": "\(local)", "tls": "\(tls != nil)"])
            }
        } catch {
            for c in channels { try? await c.close() }
            try? await threadPool.shutdownGracefully()
            try? await group.shutdownGracefully()
            throw HTTPServerError.bind(listenAddresses.map(\.description).joined(separator: ", "), "\(error)")
        }
        bound.withLock { $0 = channels.compactMap(\.localAddress) }

        // Serve until graceful shutdown (SIGTERM/SIGINT) or cancellation.
        try? await gracefulShutdown()

        logger.info("shutting down: no new connections; finishing answers in flight")
        for c in channels { try? await c.close() }
        await registry.closeIdle()
        let clock = ContinuousClock()
        let deadline = clock.now + drainTimeout
        while registry.busyCount > 0, clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        // Work still queued (for clients that left) finishes; what it hands back to the event
        // loop runs there before any connection is torn down or the loop stops.
        try? await threadPool.shutdownGracefully()
        try? await group.next().submit {}.get()
        await registry.closeAll()
        try? await group.shutdownGracefully()
        logger.info("stopped")
    }

    /// Binds one address. Literal IPs need no resolver (getaddrinfo refuses "::" on a host
    /// with no IPv6 address configured); "every address" falls back to IPv4 alone when the
    /// kernel has no IPv6 at all.
    private func bind(_ address: ListenAddress) async throws -> any Channel {
        if let literal = try? SocketAddress(ipAddress: address.host, port: address.port) {
            do {
                return try await bootstrap().bind(to: literal).get()
            } catch  where address.host == "::" {
                logger.info("no IPv6 here; listening on IPv4 only", metadata: ["error": "\(error)"])
                return try await bootstrap().bind(to: try SocketAddress(ipAddress: "0.0.0.0", port: address.port)).get()
            }
        }
        return try await bootstrap().bind(host: address.host, port: address.port).get()
    }

    private func bootstrap() -> ServerBootstrap {
        let router = router
        let limits = limits
        let tls = tls
        let registry = registry
        let threadPool = threadPool
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // TCP_NODELAY lives at IPPROTO_TCP: `.socketOption(.tcp_nodelay)` would be SOL_SOCKET's
            // option 1, SO_DEBUG, which needs CAP_NET_ADMIN -- refused under the unit's
            // capability set, and NIO then closes every accepted connection.
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 4)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let tls { try sync.addHandler(tls.makeHandler()) }
                    var decoderLimits = NIOHTTPDecoderLimitConfiguration()
                    decoderLimits.maxHeaderFieldSize = limits.maxHeaderFieldBytes
                    decoderLimits.maxHeaderListSize = limits.maxHeaderListBytes
                    decoderLimits.maxHeaderFieldCount = limits.maxHeaderCount
                    try sync.configureHTTPServerPipeline(
                        withPipeliningAssistance: true, withErrorHandling: false,
                        withEncoderConfiguration: .init(),
                        withDecoderLimitConfiguration: decoderLimits)
                    try sync.addHandler(HTTPParseErrorResponder())
                    try sync.addHandler(
                        HTTPConnectionHandler(
                            router: router, registry: registry,
                            threadPool: threadPool, limits: limits))
                }
            }
    }
}

/// What secures each accepted connection before HTTP: a fresh handler for the front of its
/// pipeline. WebTLS makes one from the web config's tls_server_config (NIOSSL), so this module
/// and what links it (the fuzzers) need no TLS library.
public struct ServerTLS: Sendable {
    public let makeHandler: @Sendable () -> any ChannelHandler

    public init(makeHandler: @escaping @Sendable () -> any ChannelHandler) {
        self.makeHandler = makeHandler
    }
}

public enum HTTPServerError: Error, CustomStringConvertible {
    case bind(String, String)

    public var description: String {
        switch self {
        case .bind(let addresses, let error): return "cannot listen on \(addresses): \(error)"
        }
    }
}
