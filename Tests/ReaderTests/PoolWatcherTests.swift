import Logging
import ReaderTestSupport
import SystemIO
import TestSupport
import Testing
import ThinPoolCore

@testable import Reader

/// The watcher driven by a scripted device-mapper that raises events, as the kernel does: what
/// it re-reads on an event, on a global event, when devices come or go, with DM_DEV_WAIT, and
/// that it stops cleanly while events and reconfigurations race it. CI runs these under
/// ThreadSanitizer too.
@Suite struct PoolWatcherTests {
    /// Readings as the observers got them.
    final class Recorder: PoolObserver, Sendable {
        struct State {
            var reports: [HostReading] = []
            var pools: [PoolReading] = []
        }

        let state = Locked(State())

        func observe(_ report: HostReading) { state.update { $0.reports.append(report) } }
        func observe(pool reading: PoolReading) { state.update { $0.pools.append(reading) } }

        /// Waits (at most 10 s) until `condition` holds.
        @discardableResult
        func wait(_ what: String, _ condition: @escaping (State) -> Bool) -> Bool {
            let ok = state.wait(until: Locked<State>.deadline(after: 10)) { s in condition(s) ? true : nil } ?? false
            #expect(ok, "timed out waiting for \(what)")
            return ok
        }
    }

    static func status(used: Int) -> String {
        "0 65536 thin-pool 0 10/1024 \(used)/512 - rw discard_passdown queue_if_no_space - 256"
    }

    func host() -> ScriptedDeviceMapper {
        let dm = ScriptedDeviceMapper()
        dm.add("a", minor: 0, table: "0 65536 thin-pool 7:0 7:1 128 16 0", status: Self.status(used: 1))
        dm.add("b", minor: 1, table: "0 65536 thin-pool 7:2 7:3 128 16 0", status: Self.status(used: 1))
        return dm
    }

    /// Runs a watcher until `body` returns, then stops it.
    func watch(
        _ dm: ScriptedDeviceMapper, events: EventSource = .auto, watcher: ScriptedEventWatcher? = ScriptedEventWatcher(),
        poll: Duration = .seconds(3600), _ body: (PoolWatcher, Recorder) async throws -> Void
    ) async throws {
        let recorder = Recorder()
        // No watcher: a kernel without DM_DEV_ARM_POLL (dm ioctl < 4.37), as KernelDeviceMapper's
        // KernelEventWatcher answers there.
        let make: @Sendable () throws(DeviceMapperError) -> any DeviceEventWatcher = { () throws(DeviceMapperError) in
            guard let watcher else { throw DeviceMapperError(.unsupported, .armPoll, errno: 25) }
            return watcher
        }
        let pw = PoolWatcher(
            reader: PoolReader(client: dm, backing: NoLoopBacking()), observers: [recorder], pollInterval: poll,
            events: events, makeEventWatcher: make, logger: Logger(label: "test"))
        // Started on its own thread, not in a Task: the waits below block, and with every test
        // running at once the cooperative pool (one thread per core) may have none to spare.
        pw.start()
        defer {
            dm.state.update { $0.closed = true }
            pw.stop()
        }
        try await body(pw, recorder)
    }

    func used(_ r: PoolReading) -> UInt64? { r.capacity?.data.usedBlocks }

    @Test func anEventRereadsOnlyThePoolWhoseEventNumberMoved() async throws {
        let dm = host()
        let events = ScriptedEventWatcher()
        try await watch(dm, watcher: events) { pw, rec in
            rec.wait("the first full read") { $0.reports.count == 1 }
            #expect(pw.stats.source == .armPoll)
            // Changed while the watcher sleeps: the read before its wait would see it otherwise.
            #expect(events.awaitWaiting())
            dm.set("a", status: Self.status(used: 400), event: true)
            events.fire()
            rec.wait("a re-read") { $0.pools.contains { $0.name == "a" } }
            let pools = rec.state.withLock { $0.pools }
            #expect(pools.map(\.name) == ["a"], "b's event number did not move")
            #expect(pools.first.map(used) == 400)
            #expect(pw.stats.events == 1 && pw.stats.eventReads == 1)
        }
    }

    /// A resume (a resize) moves the global event, not the pool's: every pool is read again.
    @Test func aWakeThatMovedNoPoolRereadsThemAll() async throws {
        let dm = host()
        let events = ScriptedEventWatcher()
        try await watch(dm, watcher: events) { _, rec in
            rec.wait("the first full read") { $0.reports.count == 1 }
            dm.set("b", status: Self.status(used: 300), event: false, global: true)
            events.fire()
            rec.wait("both re-read") { s in Set(s.pools.map(\.name)) == ["a", "b"] }
            #expect(rec.state.withLock { $0.pools.first { $0.name == "b" }.map(used) } == 300)
        }
    }

    @Test func devicesComingOrGoingMakeAFullRead() async throws {
        let dm = host()
        let events = ScriptedEventWatcher()
        try await watch(dm, watcher: events) { _, rec in
            rec.wait("the first full read") { $0.reports.count == 1 }
            dm.add("c", minor: 2, table: "0 65536 thin-pool 7:4 7:5 128 16 0", status: Self.status(used: 7))
            events.fire()
            rec.wait("a full read with c") { s in s.reports.count == 2 && s.reports[1].pools.map(\.name) == ["a", "b", "c"] }
            dm.remove("b")
            events.fire()
            rec.wait("a full read without b") { s in s.reports.last?.pools.map(\.name) == ["a", "c"] }
        }
    }

    /// A pool reloaded as another target between two reads is reported with why, not dropped.
    @Test func aPoolThatIsNoLongerAPoolIsReported() async throws {
        let dm = host()
        let events = ScriptedEventWatcher()
        try await watch(dm, watcher: events) { _, rec in
            rec.wait("the first full read") { $0.reports.count == 1 }
            dm.state.update { s in
                s.devices["a"]?.table = [Target(start: 0, length: 65536, type: "linear", params: "7:9 0")]
                s.devices["a"]?.status = [Target(start: 0, length: 65536, type: "linear", params: "")]
                s.devices["a"]?.info.eventNumber = 9
                s.generation = 1
            }
            events.fire()
            rec.wait("a re-read") { $0.pools.contains { $0.name == "a" } }
            let a = rec.state.withLock { $0.pools.first { $0.name == "a" } }
            #expect(a?.error == .notAPool(device: "a", tableTypes: ["linear"]))
        }
    }

    /// Without ARM_POLL: a thread per pool blocked in DM_DEV_WAIT.
    @Test func waitEventWhenArmPollIsMissing() async throws {
        let dm = host()
        try await watch(dm, watcher: nil) { pw, rec in
            rec.wait("the first full read") { $0.reports.count == 1 }
            #expect(pw.stats.source == .waitEvent)
            dm.set("b", status: Self.status(used: 200), event: true)
            rec.wait("b re-read") { $0.pools.contains { $0.name == "b" && self.used($0) == 200 } }
        }
    }

    /// DM_DEV_WAIT that the kernel does not have: polling, said once.
    @Test func pollingWhenNoEventIoctlWorks() async throws {
        let dm = host()
        dm.state.update { $0.waitEventError = DeviceMapperError(.unsupported, .waitEvent, errno: 25) }
        try await watch(dm, watcher: nil, poll: .milliseconds(50)) { pw, rec in
            rec.wait("two polls") { $0.reports.count >= 2 }
            rec.wait("the switch to polling") { _ in pw.stats.source == .poll }
        }
    }

    /// Events, reconfigurations and a stop racing one another: the stop ends the loop and every
    /// waiter thread's touch of the state is under the lock (ThreadSanitizer checks it in CI).
    @Test func stopsCleanlyWhileEventsRace() async throws {
        for round in 0..<5 {
            let dm = host()
            let events = ScriptedEventWatcher()
            try await watch(
                dm, events: round % 2 == 0 ? .auto : .waitEvent, watcher: round % 2 == 0 ? events : nil,
                poll: .milliseconds(20)
            ) { pw, rec in
                rec.wait("the first full read") { $0.reports.count >= 1 }
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for i in 0..<50 {
                            dm.set(i % 2 == 0 ? "a" : "b", status: Self.status(used: i + 2), event: true)
                            events.fire()
                        }
                    }
                    group.addTask {
                        for i in 0..<20 { pw.update(pollInterval: .milliseconds(10 + i)) }
                    }
                    group.addTask { for _ in 0..<50 { _ = pw.stats } }
                }
            }
        }
    }
}
