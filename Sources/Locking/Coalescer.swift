/// One computation at a time, its result shared by everyone who asked while the one before it
/// ran: the way concurrent scrapes share one reading of the kernel.
///
/// A caller is served by the next computation to *start* after its call: one already running
/// began before the caller arrived and may predate what it must see (Prometheus semantics:
/// fresh at scrape). So callers that arrive while computation N runs wait for N + 1, which the
/// first of them runs once N is done, and all of them take its result. Never two at once.
public final class Coalescer<Value: Sendable>: Sendable {
    private struct State {
        var started: UInt64 = 0
        var running = false
        var last: (number: UInt64, value: Value)?
        /// Callers waiting, by the number of the computation that will serve them; and how many
        /// have yet to take `last` -- which is dropped once they have (a 10,000-volume reading
        /// is not kept between collections).
        var waitingFor: [UInt64: Int] = [:]
        var takers = 0
        var runs: UInt64 = 0
        var shared: UInt64 = 0
        var waiting = 0
    }

    private let state = Locked(State())

    private enum Turn {
        case lead(UInt64)
        case take(Value)
    }

    public init() {}

    /// The result of a computation that started after this call: run here by `compute`, or by
    /// another caller and shared.
    public func run(_ compute: () -> Value) -> Value {
        let wanted = state.withLock { s in
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
            s.running = true
            s.started += 1
            s.waiting -= 1
            s.waitingFor[wanted, default: 1] -= 1
            if s.waitingFor[wanted] == 0 { s.waitingFor[wanted] = nil }
            return .lead(s.started)
        }!
        switch turn {
        case .take(let value):
            return value
        case .lead(let number):
            let value = compute()
            state.update { s in
                s.running = false
                s.runs += 1
                // Those who arrived in time for this computation take it; kept until they have.
                let served = s.waitingFor.keys.filter { $0 <= number }
                s.takers = served.reduce(0) { $0 + s.waitingFor[$1]! }
                for k in served { s.waitingFor[k] = nil }
                s.last = s.takers > 0 ? (number, value) : nil
            }
            return value
        }
    }

    /// Callers waiting for a computation to start or finish (not the one running it).
    public var waiting: Int { state.withLock { $0.waiting } }

    /// A result is kept for callers yet to take it (for tests).
    var holdsResult: Bool { state.withLock { $0.last != nil } }

    /// Computations run, and callers served by another's.
    public var counts: (runs: UInt64, shared: UInt64) { state.withLock { ($0.runs, $0.shared) } }
}
