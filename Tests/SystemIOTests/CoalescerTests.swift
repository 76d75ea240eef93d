import Testing

@testable import SystemIO

#if canImport(Glibc)
    import Glibc
#endif

/// One computation at a time; callers that arrive while one runs share the next, never the one
/// that began before them.
@Suite struct CoalescerTests {
    /// Checks `condition` every 5 ms until it holds (at most 10 s).
    func eventually(_ what: String, _ condition: () -> Bool) {
        for _ in 0..<2000 {
            if condition() { return }
            usleep(5000)
        }
        Issue.record("timed out waiting for \(what)")
    }

    @Test func callersDuringARunShareTheNextOneNotThatOne() {
        let coalescer = Coalescer<Int>()
        // Which computation a result came from, and a gate holding the first one.
        let computations = Locked(0)
        let gate = Locked(false)
        let results = Locked<[String: Int]>([:])
        startThread(named: "a") {
            let v = coalescer.run {
                let n = computations.update { c -> Int in
                    c += 1
                    return c
                }
                _ = gate.wait { open in open ? true : nil }
                return n
            }
            results.update { $0["a"] = v }
        }
        eventually("the first computation to start") { computations.withLock { $0 } == 1 }
        for name in ["b", "c", "d"] {
            startThread(named: name) {
                let v = coalescer.run {
                    computations.update { c -> Int in
                        c += 1
                        return c
                    }
                }
                results.update { $0[name] = v }
            }
        }
        eventually("three callers waiting") { coalescer.waiting == 3 }
        gate.update { $0 = true }
        let all = results.wait(until: Locked<[String: Int]>.deadline(after: 10)) { r in r.count == 4 ? r : nil }
        #expect(all == ["a": 1, "b": 2, "c": 2, "d": 2], "b, c and d arrived during the first: they share the second")
        #expect(computations.withLock { $0 } == 2)
        #expect(coalescer.counts.runs == 2 && coalescer.counts.shared == 2)
        #expect(!coalescer.holdsResult, "once b, c and d took the second, nothing is kept")
    }

    @Test func oneCallerAloneComputesEveryTime() {
        let coalescer = Coalescer<Int>()
        let n = Locked(0)
        for i in 1...3 {
            #expect(
                coalescer.run {
                    n.update { c -> Int in
                        c += 1
                        return c
                    }
                } == i)
        }
        #expect(coalescer.counts.runs == 3 && coalescer.counts.shared == 0)
        #expect(!coalescer.holdsResult, "no one waited: nothing kept")
    }

    /// A computation that counts: its result is its number.
    func next(_ computations: Locked<Int>) -> @Sendable () -> Int {
        {
            computations.update { c -> Int in
                c += 1
                return c
            }
        }
    }

    /// Runs `caller` on its own thread; its result lands in `results` under `name`.
    func call(_ coalescer: Coalescer<Int>, _ name: String, _ results: Locked<[String: Int]>, _ compute: @escaping @Sendable () -> Int) {
        startThread(named: name) {
            let v = coalescer.run(compute)
            results.update { $0[name] = v }
        }
    }

    /// Two callers served together by computation 2 (which took `seconds`); then b calls alone.
    /// Returns the coalescer, the computation counter and the results so far.
    func servedTogether(linger: Coalescer<Int>.Linger, seconds: Double) -> (Coalescer<Int>, Locked<Int>, Locked<[String: Int]>) {
        let coalescer = Coalescer<Int>(linger: linger)
        let computations = Locked(0)
        let gate = Locked(false)
        let results = Locked<[String: Int]>([:])
        let compute: @Sendable () -> Int = {
            let n = computations.update { c -> Int in
                c += 1
                return c
            }
            if n == 1 { _ = gate.wait { open in open ? true : nil } }
            if n == 2 { usleep(UInt32(seconds * 1e6)) }
            return n
        }
        call(coalescer, "a", results, compute)
        eventually("the first computation to start") { computations.withLock { $0 } == 1 }
        call(coalescer, "b", results, compute)
        call(coalescer, "c", results, compute)
        eventually("b and c waiting") { coalescer.waiting == 2 }
        gate.update { $0 = true }
        _ = results.wait(until: Locked<[String: Int]>.deadline(after: 10)) { r in r.count == 3 ? true : nil }
        #expect(results.withLock { $0 } == ["a": 1, "b": 2, "c": 2])
        #expect(coalescer.counts.lingered == 0, "computation 2 followed one that served its leader alone")
        return (coalescer, computations, results)
    }

    @Test func callersServedTogetherAreWaitedForAndShareTheNext() {
        // Computation 2 takes 1 s: the third may wait up to that long for both to be back.
        let (coalescer, computations, results) = servedTogether(linger: .init(fraction: 1, atMost: 10), seconds: 1)
        let compute = next(computations)
        results.update { $0 = [:] }
        call(coalescer, "b", results, compute)
        eventually("b to hold computation 3 for c") { coalescer.counts.lingered == 1 }
        #expect(computations.withLock { $0 } == 2, "held: not started yet")
        call(coalescer, "c", results, compute)
        let all = results.wait(until: Locked<[String: Int]>.deadline(after: 10)) { r in r.count == 2 ? r : nil }
        #expect(all == ["b": 3, "c": 3], "b and c, served together before, share computation 3")
        #expect(coalescer.counts.runs == 3 && coalescer.counts.shared == 2)
    }

    @Test func aLingerEndsAtItsBoundWhenNobodyComes() {
        let (coalescer, computations, _) = servedTogether(linger: .init(fraction: 1, atMost: 10), seconds: 0.05)
        let compute = next(computations)
        #expect(coalescer.run(compute) == 3, "c never came back: b computes alone once the linger is over")
        #expect(coalescer.counts.lingered == 1)
        #expect(coalescer.run(compute) == 4)
        #expect(coalescer.counts.lingered == 1, "computation 3 served b alone: computation 4 does not wait")
    }

    @Test func aLoneCallerNeverLingers() {
        let coalescer = Coalescer<Int>(linger: .init(fraction: 1, atMost: 10))
        for i in 1...3 { #expect(coalescer.run { i } == i) }
        #expect(coalescer.counts.lingered == 0 && coalescer.counts.runs == 3)
    }

    @Test func withoutALingerTheNextStartsAtOnce() {
        let (coalescer, computations, _) = servedTogether(linger: .init(fraction: 0, atMost: 0), seconds: 0)
        let compute = next(computations)
        #expect(coalescer.run(compute) == 3)
        #expect(coalescer.counts.lingered == 0, "a bound of 0 is no linger")
    }
}
