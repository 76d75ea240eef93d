import Collectors
import Logging
import ReaderTestSupport
import SystemIO
import TestSupport
import Testing
import ThinPoolCore
import Web

#if canImport(Glibc)
    import Glibc
#endif

/// Scrapes over HTTP at once: each has a thread to wait on, so those arriving during a
/// collection share the next one instead of queueing for a thread and collecting in turn.
@Suite struct ConcurrentScrapesTests {
    @Test func twelveScrapesDuringACollectionShareTheNextOne() async throws {
        let reader = fixtureReader(Repo.fixture("demo"))
        let calls = Locked(0)
        let gate = Locked(false)
        let read: @Sendable () throws -> HostReading = {
            let n = calls.update { c -> Int in
                c += 1
                return c
            }
            if n == 1 { _ = gate.wait { open in open ? true : nil } }
            return try reader.read()
        }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let scrapes = SharedScrapes(scraper: Scraper(collectors: [PoolCollector(read: read)], build: Scraper.Build(version: "test")))
        let router = Router(
            telemetryPath: "/metrics", metrics: { scrapes.body($0) }, pools: read, auth: BasicAuth(users: [:]),
            version: "test", logger: logger)
        let server = try await TestServer.start(router: router)
        let port = server.port
        let answers = Locked<[String]>([])
        func scrape(_ who: String) {
            startThread(named: who) {
                let answer = (try? get(port, "/metrics")) ?? "no answer"
                answers.update { $0.append(answer) }
            }
        }
        scrape("first")
        _ = calls.wait(until: Locked<Int>.deadline(after: 10)) { $0 == 1 ? true : nil }
        for i in 0..<12 { scrape("scrape \(i)") }
        // Up to 10 s for the twelve to arrive (none can finish before the gate opens).
        #expect(waitFor(10) { scrapes.waiting >= 12 ? true : nil } != nil, "12 callers waiting")
        #expect(scrapes.waiting == 12, "only \(scrapes.waiting) of 12 scrapes got a thread to wait on")
        gate.update { $0 = true }
        let all = answers.wait(until: Locked<[String]>.deadline(after: 20)) { $0.count == 13 ? $0 : nil } ?? []
        #expect(all.count == 13)
        #expect(all.allSatisfy { $0.hasPrefix("HTTP/1.1 200") && $0.contains("thinpool_data_used_bytes") })
        #expect(calls.withLock { $0 } == 2, "one collection in flight, one shared by the twelve")
        #expect(scrapes.counts.shared == 11)
        #expect(scrapes.renders == 2, "the twelve share one text, rendered once")
        try await server.stop()
    }
}
