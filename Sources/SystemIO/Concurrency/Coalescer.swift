#if canImport(Glibc)
    import Glibc
#endif

/// One computation at a time, its result shared by everyone who asked while the one before it
/// ran: the way concurrent scrapes share one reading of the kernel.
///
/// A caller is served by the next computation to *start* after its call: one already running
/// began before the caller arrived and may predate what it must see (Prometheus semantics:
/// fresh at scrape). So callers that arrive while computation N runs wait for N + 1, which the
/// first of them runs once N is done, and all of them take its result. Never two at once.
///
/// With a ``Linger``, a computation about to start while fewer callers wait for it than the
/// last one served holds its start a moment (at most a fraction of the last computation's
/// time) for those callers to come back -- group commit: clients that scrape in a loop then
/// share one computation instead of splitting into two groups that alternate, each waiting out
/// the other's. A lone caller never lingers, and what a caller gets is still never older than
/// its call.
public final class Coalescer<Value: Sendable>: Sendable {
    /// How long a computation may hold its start for callers to gather.
    public struct Linger: Sendable {
        /// At most this fraction of the last computation's duration...
        public var fraction: Double
        /// ...and never more than this many seconds.
        public var atMost: Double

        public init(fraction: Double, atMost: Double) {
            self.fraction = fraction
            self.atMost = atMost
        }
    }

    private struct State {
        var started: UInt64 = 0
        var running = false
        var last: (number: UInt64, value: Value)?
        /// Callers waiting, by the number of the computation that will serve them; and how many
        /// have yet to take `last` -- which is dropped once they have (a 10,000-volume reading
        /// is not kept between collections).
        var waitingFor: [UInt64: Int] = [:]
        var takers = 0
        /// Callers the last computation served (its leader included), and how long it took.
        var lastServed = 0
        var lastSeconds = 0.0
        var runs: UInt64 = 0
        var shared: UInt64 = 0
        var lingered: UInt64 = 0
        var waiting = 0
    }

    private let state = Locked(State())
    private let linger: Linger?

    private enum Turn {
        case lead
        case take(Value)
    }

    /// - Parameter linger: whether and how long a computation waits for the callers the last
    ///   one served to come back (nil: it starts at once).
    public init(linger: Linger? = nil) {
        self.linger = linger
    }

    /// The result of a computation that started after this call: run here by `compute`, or by
    /// another caller and shared.
    public func run(_ compute: () -> Value) -> Value {
        // `update`, not `withLock`: a computation lingering for callers must see this one come.
        let wanted = state.update { s in
            s.waiting += 1
            s.waitingFor[s.started + 1, default: 0] += 1
            return s.started + 1
        }
        let turn = state.wait { s -> Turn? in
            if let last = s.last, last.number >= wanted {
                s.shared += 1
                s.waiting -= 1
                s.takers -= 1
                if s.takers <= 0 { s.last = nil }
                return .take(last.value)
            }
            guard !s.running else { return nil }
            // The lead: nobody else starts one now; `started` moves only when this one starts,
            // so whoever comes while it lingers still waits for it.
            s.running = true
            return .lead
        }!
        switch turn {
        case .take(let value):
            return value
        case .lead:
            gather(for: wanted)
            let number = state.withLock { s -> UInt64 in
                s.started += 1
                s.waiting -= 1
                s.waitingFor[wanted, default: 1] -= 1
                if s.waitingFor[wanted] == 0 { s.waitingFor[wanted] = nil }
                return s.started
            }
            let began = Self.now()
            let value = compute()
            let seconds = Self.now() - began
            state.update { s in
                s.running = false
                s.runs += 1
                s.lastSeconds = seconds
                // Those who arrived in time for this computation take it; kept until they have.
                let served = s.waitingFor.keys.filter { $0 <= number }
                s.takers = served.reduce(0) { $0 + s.waitingFor[$1]! }
                for k in served { s.waitingFor[k] = nil }
                s.lastServed = s.takers + 1
                s.last = s.takers > 0 ? (number, value) : nil
            }
            return value
        }
    }

    /// Holds the start of computation `number` while fewer callers wait for it than the last
    /// one served, up to the linger's bound; at once when there is no linger, when the last
    /// computation served only its leader, or when everyone is back.
    private func gather(for number: UInt64) {
        guard let linger else { return }
        let (group, seconds, here) = state.withLock { s in
            (s.lastServed, s.lastSeconds, s.waitingFor[number, default: 0])
        }
        guard group > 1, here < group else { return }
        let bound = min(linger.atMost, linger.fraction * seconds)
        guard bound > 0 else { return }
        state.withLock { $0.lingered += 1 }
        _ = state.wait(until: Locked<State>.deadline(after: bound)) { s -> Bool? in
            s.waitingFor[number, default: 0] >= group ? true : nil
        }
    }

    private static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// Callers waiting for a computation to start or finish (not the one running it).
    public var waiting: Int { state.withLock { $0.waiting } }

    /// A result is kept for callers yet to take it (for tests).
    var holdsResult: Bool { state.withLock { $0.last != nil } }

    /// Computations run, callers served by another's, and computations that held their start
    /// for callers to gather.
    public var counts: (runs: UInt64, shared: UInt64, lingered: UInt64) {
        state.withLock { ($0.runs, $0.shared, $0.lingered) }
    }
}
