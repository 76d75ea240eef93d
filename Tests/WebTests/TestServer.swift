import Collectors
import Foundation
import Logging
import NIOCore
import Reader
import ReaderTestSupport
import ServiceLifecycle
import TestSupport
import Testing
import ThinPoolCore
import Web

#if canImport(Glibc)
    import Glibc
#endif

/// An HTTPServer on 127.0.0.1 (a free port) inside a real ServiceGroup, stopped by graceful
/// shutdown.
struct TestServer {
    let group: ServiceGroup
    let task: Task<Void, any Error>
    let port: Int

    static func start(router: Router, limits: HTTPLimits = HTTPLimits(), tls: ServerTLS? = nil) async throws -> TestServer {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let server = HTTPServer(
            listenAddresses: [ListenAddress(host: "127.0.0.1", port: 0)], router: router,
            limits: limits, tls: tls, logger: logger, drainTimeout: .seconds(3))
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: server)], logger: logger))
        let task = Task { try await group.run() }
        for _ in 0..<500 {
            if let a = server.boundAddresses?.first, let port = a.port { return TestServer(group: group, task: task, port: port) }
            try await Task.sleep(for: .milliseconds(10))
        }
        task.cancel()
        throw TestFailure("the server did not start listening")
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}

func testRouter(
    fixture: String = "demo", auth: BasicAuth = BasicAuth(users: [:]),
    pools: (@Sendable () throws -> HostReading)? = nil
) -> Router {
    let reader = fixtureReader(Repo.fixture(fixture))
    let read: @Sendable () throws -> HostReading = pools ?? { try reader.read() }
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    let scrapes = SharedScrapes(scraper: Scraper(collectors: [PoolCollector(read: read)], build: Scraper.Build(version: "test")))
    return Router(
        telemetryPath: "/metrics", metrics: { scrapes.body($0) },
        pools: read, auth: auth, version: "test", logger: logger)
}

func get(_ port: Int, _ path: String, headers: [String] = []) throws -> String {
    let c = try RawClient(port: port)
    c.send("GET \(path) HTTP/1.1\r\nHost: x\r\n" + headers.map { $0 + "\r\n" }.joined() + "Connection: close\r\n\r\n")
    return c.readAll()
}
