import Testing

@testable import Locking

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
}
