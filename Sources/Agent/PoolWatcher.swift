import Alerting
import Autoextend
import DeviceMapper
import Exposition
import Foundation
import Logging
import PoolReader
import ServiceLifecycle
import ThinPool

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

/// Watches the pools for the alerting: wakes on dm events and re-reads only the pools whose
/// event number moved; reads every pool at the poll interval as a net for slow growth and for
/// trends. Runs on a thread of its own (the waits block) as a Service.
public final class PoolWatcher: Service, @unchecked Sendable {
    private let reader: PoolReader
    private let alerting: AlertingService
    private let autoextender: Autoextender?
    private let logger: Logger
    private let requested: EventSource
    /// Makes the ARM_POLL watcher; nil when the source has no events (fixtures).
    private let makeEventWatcher: (@Sendable () throws -> DMEventWatcher)?

    private let lock = NSCondition()
    private var pollInterval: Duration
    private var running = true
    private var active: EventSource = .poll
    private var watcher: DMEventWatcher?
    /// Pools by name, with the event number last read.
    private var known: [String: UInt32?] = [:]
    private var waiters: Set<String> = []
    private var waitEventFired = false
    /// DM_DEV_WAIT answered that it does not exist (ENOTTY/EINVAL): poll instead.
    private var waitEventUnsupported = false
    private var eventsObserved: UInt64 = 0
    private var eventReads: UInt64 = 0
    private var fullReads: UInt64 = 0
    private var readErrors: UInt64 = 0
    private var lastDeviceCount = -1

    public init(reader: PoolReader, alerting: AlertingService, autoextender: Autoextender? = nil, pollInterval: Duration,
                events: EventSource, makeEventWatcher: (@Sendable () throws -> DMEventWatcher)?, logger: Logger) {
        self.reader = reader
        self.alerting = alerting
        self.autoextender = autoextender
        self.pollInterval = pollInterval
        self.requested = events
        self.makeEventWatcher = makeEventWatcher
        self.logger = logger
    }

    public func update(pollInterval: Duration) {
        lock.lock()
        self.pollInterval = pollInterval
        lock.broadcast()
        lock.unlock()
        watcher?.wake()
    }

    /// The event source in use.
    public var source: EventSource {
        lock.lock()
        defer { lock.unlock() }
        return active
    }

    public func run() async throws {
        let done = AsyncStream<Void>.makeStream()
        let thread = Thread { [self] in
            loop()
            done.continuation.finish()
        }
        thread.name = "pool-watcher"
        thread.start()
        try? await gracefulShutdown()
        stop()
        for await _ in done.stream {}
    }

    private func stop() {
        lock.lock()
        running = false
        lock.broadcast()
        lock.unlock()
        watcher?.wake()
    }

    private func chooseSource() -> EventSource {
        if requested == .poll || makeEventWatcher == nil {
            if requested != .poll, requested != .auto {
                logger.warning("this source has no dm events; polling only", metadata: ["requested": "\(requested.rawValue)"])
            }
            return .poll
        }
        if requested == .auto || requested == .armPoll {
            do {
                watcher = try makeEventWatcher?()
                return .armPoll
            } catch let e as DeviceMapperError where e.code == .unsupported {
                logger.info("DM_DEV_ARM_POLL not supported by this kernel; waiting for events per pool")
            } catch {
                logger.warning("cannot watch dm events with ARM_POLL; waiting per pool", metadata: ["error": "\(error)"])
            }
        }
        return .waitEvent
    }

    private func loop() {
        var source = chooseSource()
        lock.lock()
        active = source
        lock.unlock()
        logger.info("watching pools", metadata: ["events": "\(source.rawValue)", "poll_interval": "\(pollInterval)"])
        let clock = ContinuousClock()
        var nextFull = clock.now
        var rereadAll = false
        while isRunning {
            if source == .waitEvent, lock.withLock({ waitEventUnsupported }) {
                logger.warning("DM_DEV_WAIT is not supported by this kernel either; polling only")
                source = .poll
                lock.withLock { active = .poll }
            }
            if clock.now >= nextFull {
                fullRead()
                nextFull = clock.now + currentPollInterval
            }
            let timeout = max(.zero, nextFull - clock.now)
            switch source {
            case .armPoll:
                guard let watcher else { return }
                do { try watcher.arm() } catch { logger.warning("ARM_POLL failed", metadata: ["error": "\(error)"]) }
                // Read after arming: an event from here on makes the wait return at once.
                let suspended = readChanged(afterWake: rereadAll)
                let woke = watcher.wait(timeout: suspended ? min(timeout, Self.suspendedRecheck) : timeout)
                logger.debug("watcher woke", metadata: ["why": "\(woke)"])
                if woke == .event {
                    lock.lock(); eventsObserved += 1; lock.unlock()
                }
                rereadAll = woke == .event || suspended
            case .waitEvent:
                startWaiters()
                let suspended = readChanged(afterWake: rereadAll)
                let wait = suspended ? min(timeout, Self.suspendedRecheck) : timeout
                rereadAll = true
                lock.lock()
                if !waitEventFired, running { _ = lock.wait(until: Date().addingTimeInterval(wait.seconds)) }
                if waitEventFired { eventsObserved += 1 }
                waitEventFired = false
                lock.unlock()
            case .poll, .auto:
                lock.lock()
                if running { _ = lock.wait(until: Date().addingTimeInterval(timeout.seconds)) }
                lock.unlock()
            }
        }
    }

    private var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return running
    }

    private var currentPollInterval: Duration {
        lock.lock()
        defer { lock.unlock() }
        return pollInterval
    }

    private func fullRead() {
        do {
            let report = try reader.read()
            alerting.observe(report)
            for r in report.pools { autoextender?.observe(r) }
            lock.lock()
            known = Dictionary(report.pools.map { ($0.name, $0.snapshot?.eventNumber) }, uniquingKeysWith: { $1 })
            fullReads += 1
            lock.unlock()
        } catch {
            lock.lock(); readErrors += 1; lock.unlock()
            logger.error("cannot read device-mapper", metadata: ["error": "\(error)"])
        }
    }

    /// How soon a pool found suspended is read again.
    static let suspendedRecheck = Duration.milliseconds(50)

    /// Re-reads the pools whose event number moved since they were last read. A wake that
    /// moved no pool's event number was a global dm event -- a reload and resume (a resize
    /// changes a pool's size without a pool event), a create or a remove: every known pool is
    /// re-read then (one STATUS each). A change in the number of devices (maybe a new pool)
    /// makes a full read. Returns whether a pool was suspended: the kernel raises the global
    /// event of a reload when it swaps the table, before the pool's resume resizes it, so a
    /// suspended pool is read again shortly.
    @discardableResult
    private func readChanged(afterWake woke: Bool = false) -> Bool {
        let entries: [DeviceListEntry]
        do { entries = try reader.client.listDevices() } catch {
            logger.debug("LIST failed", metadata: ["error": "\(error)"])
            return false
        }
        lock.lock()
        let snapshot = known
        // Devices came or went (a new pool, or thin volumes of containers): read everything.
        let countChanged = lastDeviceCount >= 0 && lastDeviceCount != entries.count
        lastDeviceCount = entries.count
        lock.unlock()
        if countChanged {
            fullRead()
            return false
        }
        let moved = entries.filter { e in
            guard let last = snapshot[e.name] else { return false }
            return e.eventNumber == nil || e.eventNumber != last
        }
        let toRead = moved.isEmpty && woke ? entries.filter { snapshot[$0.name] != nil } : moved
        var suspended = false
        for e in toRead {
            let last = snapshot[e.name] ?? nil
            logger.debug("pool event", metadata: ["pool": "\(e.name)", "from": "\(last.map(String.init) ?? "?")",
                                                  "to": "\(e.eventNumber.map(String.init) ?? "?")"])
            do {
                let reading = try reader.read(pool: e.name)
                logger.debug("pool re-read", metadata: ["pool": "\(e.name)",
                    "data": "\(reading.capacity.map { "\($0.data.usedBlocks)/\($0.data.totalBlocks)" } ?? "-")"])
                alerting.observe(pool: reading)
                autoextender?.observe(reading)
                suspended = suspended || reading.snapshot?.suspended == true
                lock.lock()
                known[e.name] = .some(reading.snapshot?.eventNumber ?? e.eventNumber)
                eventReads += 1
                lock.unlock()
            } catch let error as DeviceMapperError where error.code == .noSuchDevice {
                lock.lock(); known[e.name] = nil; lock.unlock()
            } catch {
                lock.lock(); readErrors += 1; lock.unlock()
                logger.warning("cannot re-read pool", metadata: ["pool": "\(e.name)", "error": "\(error)"])
            }
        }
        return suspended
    }

    /// WAITEVENT mode: a thread per known pool blocked in DM_DEV_WAIT.
    private func startWaiters() {
        lock.lock()
        let pools = known
        lock.unlock()
        for (name, event) in pools where !waiters.contains(name) {
            waiters.insert(name)
            let client = reader.client
            let thread = Thread { [weak self] in
                var after = event ?? 0
                while let self, self.isRunning {
                    let next: UInt32
                    do { next = try client.waitEvent(name, after: after) } catch let e as DeviceMapperError
                        where e.code == .unsupported || e.errno == ENOTTY || e.errno == EINVAL {
                        self.lock.lock()
                        self.waitEventUnsupported = true
                        self.lock.broadcast()
                        self.lock.unlock()
                        break
                    } catch {
                        break
                    }
                    after = next
                    self.lock.lock()
                    self.waitEventFired = true
                    self.lock.broadcast()
                    self.lock.unlock()
                }
                self?.lock.lock()
                _ = self?.waiters.remove(name)
                self?.lock.unlock()
            }
            thread.name = "waitevent-\(name)"
            thread.start()
        }
    }

    /// The watcher's metrics.
    public func metrics() -> [MetricFamily] {
        lock.lock()
        defer { lock.unlock() }
        var source = MetricFamily("thinpool_event_source", .gauge,
                                  help: "How the agent learns that a pool changed: arm-poll (DM_DEV_ARM_POLL), wait-event (DM_DEV_WAIT per pool) or poll; 1 for the one in use.")
        for s in [EventSource.armPoll, .waitEvent, .poll] { source.add(["source": s.rawValue], SampleValue(active == s)) }
        var events = MetricFamily("thinpool_watch_dm_events", .counter, help: "dm events the watcher woke up for.")
        events.add([:], .integer(eventsObserved))
        var reads = MetricFamily("thinpool_watch_reads", .counter,
                                 help: "Readings made for the alerting: kind=event (one pool, its event number moved), kind=poll (every pool, at the poll interval).")
        reads.add(["kind": "event"], .integer(eventReads))
        reads.add(["kind": "poll"], .integer(fullReads))
        var errors = MetricFamily("thinpool_watch_read_errors", .counter, help: "Readings for the alerting that failed.")
        errors.add([:], .integer(readErrors))
        return [source, events, reads, errors]
    }
}

extension Duration {
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
