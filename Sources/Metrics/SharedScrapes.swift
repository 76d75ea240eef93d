import Exposition
import Locking

/// /metrics for many clients at once: requests that arrive while a scrape runs wait for the
/// next one and share it -- its collection and its text, rendered once per format -- so a
/// Prometheus HA pair, a federation pull and an operator's curl cost one reading of the kernel,
/// never a result older than the request (``Coalescer``).
public final class SharedScrapes: Sendable {
    let scraper: Scraper
    private let scrapes = Coalescer<Scrape>()

    public init(scraper: Scraper) { self.scraper = scraper }

    /// The body of a scrape made after this call, in `format`.
    public func body(_ format: ExpositionFormat) -> [UInt8] {
        scrapes.run { Scrape(families: scraper.scrape()) }.body(format)
    }

    /// Requests waiting for a scrape to start or finish.
    public var waiting: Int { scrapes.waiting }

    /// Scrapes made, and requests served by another request's scrape.
    public var counts: (scrapes: UInt64, shared: UInt64) {
        let c = scrapes.counts
        return (c.runs, c.shared)
    }
}

/// One scrape's families and their text per format, rendered by the first request that wants it.
final class Scrape: Sendable {
    let families: [MetricFamily]
    private let rendered = Locked<[ExpositionFormat: [UInt8]]>([:])

    init(families: [MetricFamily]) { self.families = families }

    func body(_ format: ExpositionFormat) -> [UInt8] {
        if let body = rendered.withLock({ $0[format] }) { return body }
        // Rendered outside the lock: two requests wanting the same new format at the same
        // moment may both render it, which is rare and harmless.
        let body = Array(format.render(families).utf8)
        rendered.withLock { $0[format] = body }
        return body
    }
}
