import Foundation
import Testing

@testable import SystemIO

/// The one lock: mutual exclusion, waits that end on an update, deadlines.
@Suite struct LockedTests {
    @Test func threadsCountUnderTheLock() async {
        let counter = Locked(0)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { for _ in 0..<1000 { counter.withLock { $0 += 1 } } } }
        }
        #expect(counter.withLock { $0 } == 8000)
    }

    @Test func aWaitEndsOnTheUpdateThatMakesItTrue() {
        let state = Locked((ready: false, value: 0))
        let t = Thread {
            usleep(20_000)
            state.withLock { $0.value = 1 }  // no wake: the waiter must not see it as ready
            usleep(20_000)
            state.update {
                $0.ready = true
                $0.value = 2
            }
        }
        t.start()
        let got = state.wait { s in s.ready ? s.value : nil }
        #expect(got == 2)
    }

    @Test func aDeadlineEndsAWaitWithNothing() {
        let state = Locked(false)
        let start = ContinuousClock.now
        let got: Bool? = state.wait(until: Locked<Bool>.deadline(after: 0.05)) { $0 ? true : nil }
        #expect(got == nil)
        #expect(ContinuousClock.now - start >= .milliseconds(45))
        // A condition already true returns at once, deadline or not.
        state.withLock { $0 = true }
        #expect(state.wait(until: Locked<Bool>.deadline(after: 0)) { $0 ? true : nil } == true)
    }

    @Test func waitsCanTakeWork() {
        // The closure runs under the lock and may change the state: a queue's consumer.
        let queue = Locked([Int]())
        let done = Locked(0)
        let consumer = Thread {
            while let item = queue.wait({ q -> Int? in q.isEmpty ? nil : q.removeFirst() }), item >= 0 {
                done.withLock { $0 += item }
            }
        }
        consumer.start()
        for i in 1...10 { queue.update { $0.append(i) } }
        queue.update { $0.append(-1) }
        #expect(done.wait(until: Locked<Int>.deadline(after: 5)) { $0 == 55 ? true : nil } == true)
    }
}
