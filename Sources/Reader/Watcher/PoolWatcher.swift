import Logging
import ServiceLifecycle
import SystemIO
import ThinPoolCore

#if canImport(Glibc)
    import Glibc
#endif

/// Watches the pools for the agent: wakes on dm events and re-reads only the pools whose event
/// number moved (``PoolReader/changes(since:afterWake:)``); reads every pool at the poll
/// interval as a net for slow growth and for trends; hands every reading to its observers
/// (alerting, autoextend). Runs on a thread of its own (the waits block) as a Service.
///
/// All of its mutable state is one value behind one lock with a condition (``Locked``): the
/// loop, the DM_DEV_WAIT threads, ``update(pollInterval:)`` and ``stop()`` meet only there.
public final class PoolWatcher: Service, Sendable {
    private let reader: PoolReader
    private let observers: [any PoolObserver]
    private let logger: Logger
    private let requested: EventSource
    /// Makes the ARM_POLL watcher; nil when the source has no events (fixtures).
    private let makeEventWatcher: (@Sendable () throws(DeviceMapperError) -> any DeviceEventWatcher)?

    private struct State {
        var pollInterval: Duration
        var running = true
        var active: EventSource = .poll
        /// The ARM_POLL watcher, once the loop has made one (``stop()`` wakes it).
        var eventWatcher: (any DeviceEventWatcher)?
        /// DM_DEV_WAIT mode: the pools with a thread blocked on them.
        var waiters: Set<String> = []
        var waitEventFired = false
        /// DM_DEV_WAIT answered that it does not exist (ENOTTY/EINVAL): poll instead.
        var waitEventUnsupported = false
        var stats = WatcherStats()
        /// Set by ``run()`` and by the loop when it ends.
        var started = false
        var finished = false
    }

    private let state: Locked<State>

    public init(
        reader: PoolReader, observers: [any PoolObserver], pollInterval: Duration, events: EventSource,
        makeEventWatcher: (@Sendable () throws(DeviceMapperError) -> any DeviceEventWatcher)?, logger: Logger
    ) {
        self.reader = reader
        self.observers = observers
        self.requested = events
        self.makeEventWatcher = makeEventWatcher
        self.logger = logger
        self.state = Locked(State(pollInterval: pollInterval))
    }

    /// A new poll interval, from now on (a config reload).
    public func update(pollInterval: Duration) {
        let watcher = state.update { s in
            s.pollInterval = pollInterval
            return s.eventWatcher
        }
        watcher?.wake()
    }

    /// What the watcher has done, for the metrics.
    public var stats: WatcherStats { state.withLock { $0.stats } }

    /// As a Service: starts, runs until the graceful shutdown, stops.
    public func run() async throws {
        start()
        try? await gracefulShutdown()
        stop()
    }

    /// Starts the loop on its own thread (once; a second call does nothing).
    public func start() {
        let first = state.withLock { s in
            defer { s.started = true }
            return !s.started
        }
        if first { startThread(named: "pool-watcher") { [self] in loop() } }
    }

    /// Ends the loop and waits until it has (the DM_DEV_WAIT threads end with their next event
    /// or their pool; they touch nothing but the state).
    public func stop() {
        let watcher = state.update { s in
            s.running = false
            return s.eventWatcher
        }
        watcher?.wake()
        _ = state.wait { s in !s.started || s.finished ? true : nil }
    }

    private func chooseSource() -> (EventSource, (any DeviceEventWatcher)?) {
        guard requested != .poll, let makeEventWatcher else {
            if requested != .poll, requested != .auto {
                logger.warning("this source has no dm events; polling only", metadata: ["requested": "\(requested.rawValue)"])
            }
            return (.poll, nil)
        }
        if requested == .auto || requested == .armPoll {
            do {
                return (.armPoll, try makeEventWatcher())
            } catch  where error.code == .unsupported {
                logger.info("DM_DEV_ARM_POLL not supported by this kernel; waiting for events per pool")
            } catch {
                logger.warning("cannot watch dm events with ARM_POLL; waiting per pool", metadata: ["error": "\(error)"])
            }
        }
        return (.waitEvent, nil)
    }

    private func loop() {
        defer { state.update { $0.finished = true } }
        let (chosen, eventWatcher) = chooseSource()
        var source = chosen
        let interval = state.update { s in
            s.active = source
            s.eventWatcher = eventWatcher
            s.stats.source = source
            return s.pollInterval
        }
        logger.info("watching pools", metadata: ["events": "\(source.rawValue)", "poll_interval": "\(interval)"])
        var cursor = ChangeCursor()
        let clock = ContinuousClock()
        var nextFull = clock.now
        var rereadAll = false
        while state.withLock({ $0.running }) {
            if source == .waitEvent, state.withLock({ $0.waitEventUnsupported }) {
                logger.warning("DM_DEV_WAIT is not supported by this kernel either; polling only")
                source = .poll
                state.withLock {
                    $0.active = .poll
                    $0.stats.source = .poll
                }
            }
            if clock.now >= nextFull {
                fullRead(&cursor)
                nextFull = clock.now + state.withLock { $0.pollInterval }
            }
            let timeout = max(.zero, nextFull - clock.now)
            switch source {
            case .armPoll:
                guard let eventWatcher else { return }
                do { try eventWatcher.arm() } catch { logger.warning("ARM_POLL failed", metadata: ["error": "\(error)"]) }
                // Read after arming: an event from here on makes the wait return at once.
                let suspended = readChanged(&cursor, afterWake: rereadAll)
                let woke = eventWatcher.wait(timeout: suspended ? min(timeout, Self.suspendedRecheck) : timeout)
                logger.debug("watcher woke", metadata: ["why": "\(woke)"])
                if woke == .event { state.withLock { $0.stats.events += 1 } }
                rereadAll = woke == .event || suspended
            case .waitEvent:
                startWaiters(cursor.pools)
                let suspended = readChanged(&cursor, afterWake: rereadAll)
                let wait = suspended ? min(timeout, Self.suspendedRecheck) : timeout
                rereadAll = true
                _ = state.wait(until: Locked<State>.deadline(after: wait.seconds)) { s -> Bool? in
                    guard s.running, !s.waitEventFired, !s.waitEventUnsupported else { return true }
                    return nil
                }
                state.withLock { s in
                    if s.waitEventFired { s.stats.events += 1 }
                    s.waitEventFired = false
                }
            case .poll, .auto:
                _ = state.wait(until: Locked<State>.deadline(after: timeout.seconds)) { s in s.running ? nil : true }
            }
        }
    }

    private func fullRead(_ cursor: inout ChangeCursor) {
        do {
            let report = try reader.read(updating: &cursor)
            // Counted before the observers run: what they see, the stats already include.
            state.withLock { $0.stats.fullReads += 1 }
            for o in observers { o.observe(report) }
        } catch {
            state.withLock { $0.stats.readErrors += 1 }
            logger.error("cannot read device-mapper", metadata: ["error": "\(error)"])
        }
    }

    /// How soon a pool found suspended is read again.
    static let suspendedRecheck = Duration.milliseconds(50)

    /// Hands what changed to the observers. Returns whether a pool was suspended: the kernel
    /// raises the global event of a reload when it swaps the table, before the pool's resume
    /// resizes it, so a suspended pool is read again shortly.
    @discardableResult
    private func readChanged(_ cursor: inout ChangeCursor, afterWake woke: Bool) -> Bool {
        let changes: PoolChanges
        do { changes = try reader.changes(since: &cursor, afterWake: woke) } catch {
            state.withLock { $0.stats.readErrors += 1 }
            logger.debug("cannot list devices", metadata: ["error": "\(error)"])
            return false
        }
        switch changes {
        case .all(let report):
            state.withLock { $0.stats.fullReads += 1 }
            for o in observers { o.observe(report) }
            return false
        case .pools(let p):
            state.withLock { s in
                s.stats.eventReads += UInt64(p.readings.count)
                s.stats.readErrors += UInt64(p.failures.count)
            }
            for r in p.readings {
                logger.debug(
                    "pool re-read",
                    metadata: [
                        "pool": "\(r.name)",
                        "data": "\(r.capacity.map { "\($0.data.usedBlocks)/\($0.data.totalBlocks)" } ?? "-")",
                    ])
                for o in observers { o.observe(pool: r) }
            }
            for (name, error) in p.failures {
                logger.warning("cannot re-read pool", metadata: ["pool": "\(name)", "error": "\(error)"])
            }
            return p.readings.contains { $0.pool?.suspended == true }
        }
    }

    /// WAITEVENT mode: a thread per known pool blocked in DM_DEV_WAIT.
    private func startWaiters(_ pools: [String: UInt32?]) {
        let new = state.withLock { s -> [(String, UInt32?)] in
            let new = pools.filter { !s.waiters.contains($0.key) }
            s.waiters.formUnion(new.keys)
            return new.map { ($0.key, $0.value) }
        }
        for (name, event) in new {
            let client = reader.client
            startThread(named: "waitevent-\(name)") { [state] in
                var after = event ?? 0
                while state.withLock({ $0.running }) {
                    do throws(DeviceMapperError) {
                        after = try client.waitEvent(name, after: after)
                    } catch  where error.code == .unsupported || error.errno?.rawValue == ENOTTY || error.errno?.rawValue == EINVAL {
                        state.update { $0.waitEventUnsupported = true }
                        break
                    } catch {
                        break  // the pool is gone
                    }
                    state.update { $0.waitEventFired = true }
                }
                state.withLock { _ = $0.waiters.remove(name) }
            }
        }
    }
}

/// How the watcher learns that a pool changed.
public enum EventSource: String, Sendable, CaseIterable {
    /// The best the kernel offers: ARM_POLL, else WAITEVENT, else polling.
    case auto
    /// DM_DEV_ARM_POLL + poll(): every device with one fd (dm ioctl >= 4.37).
    case armPoll = "arm-poll"
    /// DM_DEV_WAIT: one blocked thread per pool.
    case waitEvent = "wait-event"
    /// Reading at the poll interval only.
    case poll
}

/// What the watcher has done, for the exporter's metrics.
public struct WatcherStats: Sendable, Equatable {
    /// The event source in use.
    public var source: EventSource = .poll
    /// dm events the watcher woke up for.
    public var events: UInt64 = 0
    /// One pool re-read because its event number moved.
    public var eventReads: UInt64 = 0
    /// Every pool read (the poll interval, devices came or went).
    public var fullReads: UInt64 = 0
    public var readErrors: UInt64 = 0
}
