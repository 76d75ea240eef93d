import Exporter
import Foundation
import Logging
import PoolReader
import ThinPool
import NIOCore
import ServiceLifecycle
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// An HTTPServer on 127.0.0.1 (a free port) inside a real ServiceGroup, stopped by graceful
/// shutdown.
struct TestServer {
    let group: ServiceGroup
    let task: Task<Void, any Error>
    let port: Int

    static func start(router: Router, limits: HTTPLimits = HTTPLimits(), tls: TLSContext? = nil) async throws -> TestServer {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let server = HTTPServer(listenAddresses: [ListenAddress(host: "127.0.0.1", port: 0)], router: router,
                                limits: limits, tls: tls, logger: logger, drainTimeout: .seconds(3))
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
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

func testRouter(fixture: String = "demo", auth: BasicAuth = BasicAuth(users: [:]),
                pools: (@Sendable () throws -> PoolReport)? = nil) -> Router {
    let reader = fixtureReader(fixture)
    let read: @Sendable () throws -> PoolReport = pools ?? { try reader.read() }
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return Router(telemetryPath: "/metrics", scraper: Scraper(collectors: [PoolCollector(read: read)], version: "test"),
                  pools: read, auth: auth, version: "test", logger: logger)
}

/// A blocking TCP client on raw sockets, for byte-exact requests and misbehaving clients.
final class RawClient: @unchecked Sendable {
    let fd: Int32

    init(port: Int, timeout: Double = 5) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(errno)") }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let r = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard r == 0 else { close(fd); throw TestFailure("connect: \(errno)") }
    }

    deinit { close(fd) }

    /// Sends all bytes; false when the peer has closed.
    @discardableResult
    func send(_ s: String) -> Bool { send(Array(s.utf8)) }

    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            off += n
        }
        return true
    }

    /// Reads until the peer closes or the timeout passes.
    func readAll() -> String {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Reads one response with a Content-Length body.
    func readResponse() -> String {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let text = String(decoding: out, as: UTF8.self)
            if let headEnd = text.range(of: "\r\n\r\n") {
                let head = text[..<headEnd.lowerBound].lowercased()
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) } ?? 0
                if out.count >= text.utf8.distance(from: text.utf8.startIndex, to: headEnd.upperBound) + length { return text }
            }
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return String(decoding: out, as: UTF8.self) }
            out += buf[0..<n]
        }
    }

    /// Whether the peer closed (FIN, or RST after we wrote to a closed connection) within the
    /// receive timeout; a timeout means still open.
    func peerClosed() -> Bool {
        var b: UInt8 = 0
        let n = recv(fd, &b, 1, 0)
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }
}

func get(_ port: Int, _ path: String, headers: [String] = []) throws -> String {
    let c = try RawClient(port: port)
    c.send("GET \(path) HTTP/1.1\r\nHost: x\r\n" + headers.map { $0 + "\r\n" }.joined() + "Connection: close\r\n\r\n")
    return c.readAll()
}
