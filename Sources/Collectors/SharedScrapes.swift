import SystemIO
import ThinPoolCore

/// /metrics for many clients at once: requests that arrive while a scrape runs wait for the
/// next one and share it -- its collection and its text, rendered once per format -- so a
/// Prometheus HA pair, a federation pull and an operator's curl cost one reading of the kernel,
/// never a result older than the request (``Coalescer``).
///
/// Clients that scrape in a loop (a load test, a tight federation) would otherwise split into
/// two groups taking turns -- those served by one scrape come back while the next has started
/// and must wait for the one after. So a scrape about to start while fewer requests wait than
/// the last one served holds its start for them, at most twice as long as the last scrape took
/// and never more than a second (``Coalescer/Linger``) -- sixteen answers of 150 KB through a
/// slow network path take longer to reach their clients than the scrape took. A request waits
/// at most that much longer than it would have (and only once if its group does not come
/// back); a lone client never waits. The
/// scrape renders the text its first requester asked for before it counts as done, so the
/// requests it serves answer at once and their clients are back sooner.
public final class SharedScrapes: Sendable {
    let scraper: Scraper
    private let scrapes: Coalescer<Scrape>
    private let renderCount = Locked<UInt64>(0)

    /// The linger used unless a test asks for another.
    public static let defaultLinger = Coalescer<Scrape>.Linger(fraction: 2, atMost: 1)

    public init(scraper: Scraper, linger: Coalescer<Scrape>.Linger? = SharedScrapes.defaultLinger) {
        self.scraper = scraper
        scrapes = Coalescer(linger: linger)
    }

    /// The body of a scrape made after this call, in `format`.
    public func body(_ format: ExpositionFormat) -> [UInt8] {
        scrapes.run {
            let scrape = Scrape(families: scraper.scrape(), renders: renderCount)
            _ = scrape.body(format)
            return scrape
        }.body(format)
    }

    /// Requests waiting for a scrape to start or finish.
    public var waiting: Int { scrapes.waiting }

    /// Texts rendered: one per scrape and format asked for.
    public var renders: UInt64 { renderCount.withLock { $0 } }

    /// Scrapes made, requests served by another request's scrape, and scrapes that held their
    /// start for requests to gather.
    public var counts: (scrapes: UInt64, shared: UInt64, lingered: UInt64) {
        let c = scrapes.counts
        return (c.runs, c.shared, c.lingered)
    }
}

/// One scrape's families and their text per format, rendered once: the first request that
/// wants a format renders it (outside the lock), the others wanting it meanwhile wait for that
/// text -- sixteen requests sharing a scrape must not render it sixteen times.
public final class Scrape: Sendable {
    let families: [MetricFamily]
    private enum Text {
        case rendering
        case done([UInt8])
    }
    private let rendered = Locked<[ExpositionFormat: Text]>([:])
    /// Counts the renders made, across scrapes.
    private let renders: Locked<UInt64>

    init(families: [MetricFamily], renders: Locked<UInt64>) {
        self.families = families
        self.renders = renders
    }

    func body(_ format: ExpositionFormat) -> [UInt8] {
        let mine = rendered.wait { texts -> Bool? in
            switch texts[format] {
            case .done?: return false
            case .rendering?: return nil
            case nil:
                texts[format] = .rendering
                return true
            }
        }!
        if mine {
            let body = Array(format.render(families).utf8)
            rendered.update { $0[format] = .done(body) }
            renders.withLock { $0 += 1 }
            return body
        }
        guard case .done(let body)? = rendered.withLock({ $0[format] }) else { return [] }
        return body
    }

}
