import Foundation
import Reader
import ReaderTestSupport
import SystemIO
import TestSupport
import Testing
import ThinPoolCore
import Web

@Suite(.serialized) struct HTTPServerTests {
    @Test func routes() async throws {
        let s = try await TestServer.start(router: testRouter())
        let metrics = try get(s.port, "/metrics")
        #expect(metrics.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(metrics.contains("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"))
        #expect(metrics.contains("\r\n\r\n# HELP thinpool_up "))
        #expect(metrics.contains("thinpool_data_used_bytes{pool=\"full\"} 16777216\n"))

        let om = try get(s.port, "/metrics", headers: ["Accept: application/openmetrics-text;version=1.0.0,text/plain;q=0.5"])
        #expect(om.contains("Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8\r\n"))
        #expect(om.hasSuffix("# EOF\n"))

        let page = try get(s.port, "/")
        #expect(page.contains("Content-Type: text/html; charset=utf-8\r\n"))
        for pool in ["broken", "docker-8:1-1048577-pool", "docker-thinpool-tpool", "full"] {
            #expect(page.contains("<h2>\(pool) "), "landing page lacks \(pool)")
        }

        let api = try get(s.port, "/api/v1/pools")
        #expect(api.contains("Content-Type: application/json\r\n"))
        let body = String(api[api.range(of: "\r\n\r\n")!.upperBound...])
        #expect(body == PoolJSON.report(try fixtureReader(Repo.fixture("demo")).read()).serialized(pretty: true))

        #expect(try get(s.port, "/healthz").hasSuffix("\r\n\r\nok\n"))
        #expect(try get(s.port, "/nope").hasPrefix("HTTP/1.1 404 Not Found\r\n"))
        let post = try RawClient(port: s.port)
        post.send("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi")
        let postResponse = post.readAll()
        #expect(postResponse.hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n"))
        #expect(postResponse.contains("Allow: GET, HEAD\r\n"))

        let head = try RawClient(port: s.port)
        head.send("HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let headResponse = head.readAll()
        #expect(headResponse.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(headResponse.hasSuffix("\r\n\r\n"), "HEAD has no body")
        try await s.stop()
    }

    @Test func keepAliveServesSeveralRequestsOnOneConnection() async throws {
        let s = try await TestServer.start(router: testRouter())
        let c = try RawClient(port: s.port)
        for _ in 0..<3 {
            c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(c.readResponse().hasSuffix("\r\n\r\nok\n"))
        }
        try await s.stop()
    }

    /// The accepted socket gets TCP_NODELAY at IPPROTO_TCP and no SOL_SOCKET option a
    /// confined root cannot set: SO_DEBUG (SOL_SOCKET's option 1, the number TCP_NODELAY has at
    /// IPPROTO_TCP) needs CAP_NET_ADMIN, which the systemd unit's capability set leaves out, and
    /// a refused child option closes every connection. The server runs in this process, so its
    /// end of the connection is one of this process's descriptors.
    @Test func acceptedSocketsHaveNoDelayAndNoSocketLevelDebug() async throws {
        let s = try await TestServer.start(router: testRouter())
        let c = try RawClient(port: s.port)
        c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(c.readResponse().hasSuffix("\r\n\r\nok\n"))
        let clientPort = try #require(localPort(c.fd))
        let serverSide = (0..<Int32(4096)).first { fd in
            localPort(fd) == s.port && peerPort(fd) == clientPort
        }
        let fd = try #require(serverSide, "no descriptor of this process is the server's end of the connection")
        #expect(intOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY) == 1, "TCP_NODELAY")
        #expect(intOption(fd, SOL_SOCKET, SO_DEBUG) == 0, "SO_DEBUG is set: it needs CAP_NET_ADMIN")
        try await s.stop()
    }

    @Test func basicAuth() async throws {
        let hash = "$2b$10$aaaaaaaaaaaaaaaaaaaaaOu.2RCQaC8dgrJ5zuTsJvjekNCE2D4WO"  // password "x"
        let s = try await TestServer.start(router: testRouter(auth: BasicAuth(users: ["prom": hash])))
        let none = try get(s.port, "/metrics")
        #expect(none.hasPrefix("HTTP/1.1 401 Unauthorized\r\n"))
        #expect(none.contains("WWW-Authenticate: Basic realm=\"thinpool-exporter\"\r\n"))
        #expect(!none.contains("thinpool_"))
        let wrong = try get(s.port, "/metrics", headers: ["Authorization: Basic " + Data("prom:y".utf8).base64EncodedString()])
        #expect(wrong.hasPrefix("HTTP/1.1 401 "))
        let right = try get(s.port, "/metrics", headers: ["Authorization: Basic " + Data("prom:x".utf8).base64EncodedString()])
        #expect(right.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(try get(s.port, "/healthz").hasPrefix("HTTP/1.1 401 "))
        try await s.stop()
    }

    @Test func oversizedHeadersGet431AndTheServerGoesOn() async throws {
        let s = try await TestServer.start(router: testRouter())
        let c = try RawClient(port: s.port)
        let big = String(repeating: "a", count: 1 << 20)
        c.send("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: \(big)\r\n\r\n")
        #expect(c.readAll().hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"))
        // Many moderately large headers: over the total limit.
        let many = try RawClient(port: s.port)
        many.send(
            "GET /metrics HTTP/1.1\r\nHost: x\r\n" + (0..<64).map { "X-H\($0): \(String(repeating: "b", count: 1000))\r\n" }.joined()
                + "\r\n")
        #expect(many.readAll().hasPrefix("HTTP/1.1 431 "))
        let garbage = try RawClient(port: s.port)
        garbage.send("\u{1}\u{2}NOT HTTP\r\n\r\n")
        #expect(garbage.readAll().hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(try get(s.port, "/healthz").hasSuffix("ok\n"))
        try await s.stop()
    }

    @Test func bodyTooLarge() async throws {
        let s = try await TestServer.start(router: testRouter())
        let c = try RawClient(port: s.port)
        c.send("GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + String(repeating: "z", count: 100_000))
        #expect(c.readAll().hasPrefix("HTTP/1.1 413 "))
        try await s.stop()
    }

    @Test func aClientSendingOneByteASecondIsCutOffAndOthersAreServed() async throws {
        var limits = HTTPLimits()
        limits.headerTimeout = .seconds(2)
        let s = try await TestServer.start(router: testRouter(), limits: limits)
        let slow = try RawClient(port: s.port, timeout: 6)
        let request = Array("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        let start = Date()
        let trickle = Task.detached {
            var i = 0
            while i < request.count, slow.send([request[i]]) {
                i += 1
                try? await Task.sleep(for: .seconds(1))
            }
            return i
        }
        // Meanwhile another scraper is answered at once.
        try await Task.sleep(for: .milliseconds(500))
        let t0 = Date()
        #expect(try get(s.port, "/metrics").hasPrefix("HTTP/1.1 200 OK"))
        #expect(Date().timeIntervalSince(t0) < 1)
        #expect(slow.peerClosed())
        let closedAfter = Date().timeIntervalSince(start)
        #expect(closedAfter >= 1.5 && closedAfter < 4, "closed after \(closedAfter) s")
        let sent = await trickle.value
        #expect(sent < request.count, "the whole request got through at one byte a second")
        try await s.stop()
    }

    @Test func fiveHundredIdleConnectionsDoNotLockOutAScraper() async throws {
        var limits = HTTPLimits()
        limits.maxConnections = 64
        let s = try await TestServer.start(router: testRouter(), limits: limits)
        var idle: [RawClient] = []
        for _ in 0..<500 { idle.append(try RawClient(port: s.port, timeout: 0.02)) }
        // Half-sent requests count as idle too.
        for c in idle.prefix(100) { c.send("GET /metr") }
        let t0 = Date()
        for _ in 0..<5 {
            #expect(try get(s.port, "/metrics").hasPrefix("HTTP/1.1 200 OK"))
        }
        #expect(Date().timeIntervalSince(t0) < 2)
        let stillOpen = idle.filter { !$0.peerClosed() }.count
        #expect(stillOpen <= 64, "\(stillOpen) idle connections still open")
        try await s.stop()
    }

    @Test func gracefulShutdownFinishesAnswersInFlight() async throws {
        let reader = fixtureReader(Repo.fixture("demo"))
        let answering = Locked(false)
        let slowRouter = testRouter(pools: {
            answering.update { $0 = true }
            Thread.sleep(forTimeInterval: 0.8)
            return try reader.read()
        })
        let s = try await TestServer.start(router: slowRouter)
        let c = try RawClient(port: s.port)
        c.send("GET /api/v1/pools HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        // The stop comes while the answer is being made.
        #expect(answering.wait(until: Locked<Bool>.deadline(after: 10)) { $0 ? true : nil } == true)
        let stopping = Task { try await s.stop() }
        let response = c.readAll()
        #expect(response.hasPrefix("HTTP/1.1 200 OK\r\n"), "in-flight answer: \(response.prefix(80))")
        try await stopping.value
        #expect(throws: (any Error).self) { try RawClient(port: s.port) }
    }
}

private func localPort(_ fd: Int32) -> Int? { port(fd, getsockname) }
private func peerPort(_ fd: Int32) -> Int? { port(fd, getpeername) }

private func port(_ fd: Int32, _ call: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32) -> Int? {
    var storage = sockaddr_storage()
    var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let r = withUnsafeMutablePointer(to: &storage) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { call(fd, $0, &len) }
    }
    guard r == 0 else { return nil }
    switch Int32(storage.ss_family) {
    case AF_INET:
        return withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    case AF_INET6:
        return withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
        }
    default:
        return nil
    }
}

private func intOption(_ fd: Int32, _ level: Int32, _ name: Int32) -> Int32? {
    var value: Int32 = -1
    var len = socklen_t(MemoryLayout<Int32>.size)
    return getsockopt(fd, level, name, &value, &len) == 0 ? value : nil
}
