import SystemIO
import TestSupport
import Testing
import ThinPoolCore

@testable import Collectors

#if canImport(Glibc)
    import Glibc
#endif

/// /metrics under concurrent requests: those that arrive during a scrape share the next one,
/// collected once and rendered once per format.
@Suite struct SharedScrapesTests {
    /// Counts its collections; the first one waits for `gate`.
    final class Counting: MetricsCollector {
        let name = "counting"
        let collections = Locked(0)
        let gate = Locked(false)
        static let collectionsSoFar = MetricDescriptor("test_collections", .gauge, help: "Collections so far.")
        static let descriptors = [collectionsSoFar]

        func collect() -> (families: [MetricFamily], success: Bool) {
            let n = collections.update { c -> Int in
                c += 1
                return c
            }
            if n == 1 { _ = gate.wait { open in open ? true : nil } }
            var f = Self.collectionsSoFar.family()
            f.add(values: [], .integer(UInt64(n)))
            return ([f], true)
        }
    }

    func text(_ body: [UInt8]) -> String { String(decoding: body, as: UTF8.self) }

    @Test func requestsDuringAScrapeShareTheNext() {
        let collector = Counting()
        let scrapes = SharedScrapes(scraper: Scraper(collectors: [collector], build: Scraper.Build(version: "test")))
        let bodies = Locked<[String: [UInt8]]>([:])
        func request(_ who: String, _ format: ExpositionFormat) {
            startThread(named: who) {
                let body = scrapes.body(format)
                bodies.update { $0[who] = body }
            }
        }
        request("first", .text)
        _ = collector.collections.wait(until: Locked<Int>.deadline(after: 10)) { $0 == 1 ? true : nil }
        request("a", .text)
        request("b", .openMetrics)
        request("c", .text)
        #expect(waitFor(10) { scrapes.waiting >= 3 ? true : nil } != nil, "3 callers waiting")
        collector.gate.update { $0 = true }
        let all = bodies.wait(until: Locked<[String: [UInt8]]>.deadline(after: 10)) { $0.count == 4 ? $0 : nil } ?? [:]
        #expect(text(all["first"] ?? []).contains("test_collections 1\n"))
        #expect(text(all["a"] ?? []).contains("test_collections 2\n"), "arrived during the first scrape: served by the second")
        #expect(all["a"] == all["c"], "one scrape, one text")
        #expect(text(all["b"] ?? []).contains("test_collections 2\n"))
        #expect(text(all["b"] ?? []).hasSuffix("# EOF\n"))
        #expect(collector.collections.withLock { $0 } == 2)
        #expect(scrapes.counts.scrapes == 2 && scrapes.counts.shared == 2)
        // first: text; the second scrape: text once for a and c, OpenMetrics once for b.
        #expect(scrapes.renders == 3, "a text rendered once per scrape and format, not once per request")
    }

    @Test func aLoneRequestIsAlwaysFresh() {
        let collector = Counting()
        collector.gate.update { $0 = true }
        let scrapes = SharedScrapes(scraper: Scraper(collectors: [collector], build: Scraper.Build(version: "test")))
        #expect(text(scrapes.body(.text)).contains("test_collections 1\n"))
        #expect(text(scrapes.body(.text)).contains("test_collections 2\n"))
    }
}
