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
            return s.started + 1
        }
        let turn = state.wait { s -> Turn? in
            if let last = s.last, last.number >= wanted {
                s.shared += 1
                s.waiting -= 1
                return .take(last.value)
            }
            guard !s.running else { return nil }
            s.running = true
            s.started += 1
            s.waiting -= 1
            return .lead(s.started)
        }!
        switch turn {
        case .take(let value):
            return value
        case .lead(let number):
            let value = compute()
            state.update { s in
                s.running = false
                s.last = (number, value)
                s.runs += 1
            }
            return value
        }
    }

    /// Callers waiting for a computation to start or finish (not the one running it).
    public var waiting: Int { state.withLock { $0.waiting } }

    /// Computations run, and callers served by another's.
    public var counts: (runs: UInt64, shared: UInt64) { state.withLock { ($0.runs, $0.shared) } }
}
