import Foundation
import Logging
import SystemIO
import ThinPoolCore

/// Turns pool readings into alerts and alerts into delivered notifications.
///
/// Readings go through the rules and the alert engine; every change becomes a notification per
/// routed receiver. A notification is sent only once the state that holds it is on disk (the
/// alert state and the outbox are saved together, atomically); the save itself runs outside the
/// lock, so a scrape reading the alerting's numbers never waits for an fsync. One delivery
/// thread per receiver sends its notifications in order, retrying with backoff. After a
/// restart, firing alerts are not announced again and undelivered notifications are sent. If
/// the state directory cannot be written, it goes on in memory and says so.
///
/// All mutable state is one value behind one lock with a condition (``Locked``).
public final class AlertingService: PoolObserver, AlertPublisher, Sendable {
    private struct State {
        var config: AgentConfig
        var engine = AlertEngine()
        var outbox = Outbox()
        var trends: [String: (data: UsageTrend, metadata: UsageTrend)] = [:]
        var forecasts: [String: AlertRules.Forecasts] = [:]
        /// Each pool's capacity at its latest reading (for command receivers' environment).
        var usage: [String: PoolCapacity] = [:]
        var results: [String: [String: UInt64]] = [:]
        var latency: [String: LatencyHistogram] = [:]
        var stateError: String?
        var running = false
        /// Receivers with a delivery thread running.
        var workers: Set<String> = []
        /// Every change worth saving moves `revision`; `savedRevision` is the newest on disk (or
        /// given up on: in memory); one thread saves at a time.
        var revision: UInt64 = 0
        var savedRevision: UInt64 = 0
        var saving = false
        /// The revision each queued notification was added at: it is sent once that is saved.
        var queuedAt: [String: UInt64] = [:]
        /// When the trends were last part of a save.
        var trendsSavedAt = Date.distantPast

        func persisted() -> PersistedState {
            var s = PersistedState()
            s.alerts = engine.active.values.sorted { $0.key < $1.key }
            s.outbox = outbox.notifications
            s.nextSequence = outbox.nextSequence
            s.lastResend = outbox.lastResend
            s.trends = trends.mapValues { PoolTrends(data: $0.data, metadata: $0.metadata) }
            return s
        }
    }

    private let state: Locked<State>
    private let store: StateStore?
    private let poster: any HTTPPoster
    private let context: Payloads.Context
    private let logger: Logger
    private let now: @Sendable () -> Date
    private let random: @Sendable () -> Double

    public init(
        config: AgentConfig, store: StateStore?, poster: any HTTPPoster, context: Payloads.Context,
        logger: Logger, now: @escaping @Sendable () -> Date = { Date() },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.state = Locked(State(config: config))
        self.store = store
        self.poster = poster
        self.context = context
        self.logger = logger
        self.now = now
        self.random = random
    }

    // MARK: - Lifecycle

    /// Loads the saved state and starts the delivery threads.
    public func start() {
        var saved: PersistedState?
        if let store {
            do { saved = try store.load() } catch {
                // A corrupt file must not stop the agent: keep it aside and start afresh.
                let aside = store.path + ".unreadable-\(Int(now().timeIntervalSince1970))"
                rename(store.path, aside)
                logger.error("state unreadable; kept aside, starting afresh", metadata: ["error": "\(error)", "kept": "\(aside)"])
            }
        }
        let hasReceivers = state.update { s in
            if let saved {
                s.engine = AlertEngine(active: Dictionary(saved.alerts.map { ($0.key, $0) }, uniquingKeysWith: { $1 }))
                s.outbox = Outbox(saved: saved.outbox, nextSequence: saved.nextSequence, lastResend: saved.lastResend)
                s.trends = (saved.trends ?? [:]).mapValues { ($0.data, $0.metadata) }
            }
            dropUnknownReceivers(&s)
            s.running = true
            return !s.config.receivers.isEmpty
        }
        if let saved, let store {
            logger.info(
                "state restored",
                metadata: [
                    "firing": "\(saved.alerts.count)", "pending": "\(saved.outbox.count)",
                    "path": "\(store.path)",
                ])
        }
        if hasReceivers {
            // The first POST and the first save would otherwise pay first-use costs (a second
            // and more on a slow machine): the first alert must not wait for them.
            poster.warmUp()
            _ = try? JSONEncoder().encode(PersistedState())
        }
        startWorkers()
    }

    /// Stops the delivery threads and waits for them (an attempt in flight finishes, up to its
    /// timeout; at most 15 s).
    public func stop() {
        state.update { $0.running = false }
        _ = state.wait(until: Locked<State>.deadline(after: 15)) { s in s.workers.isEmpty ? true : nil }
    }

    /// Applies a new configuration: rules at once; receivers started, changed or stopped
    /// (notifications pending for a receiver that is gone are dropped and counted).
    public func reload(_ newConfig: AgentConfig) {
        state.update { s in
            s.config = newConfig
            dropUnknownReceivers(&s)
            s.revision += 1
        }
        persist()
        startWorkers()
    }

    // MARK: - Readings

    /// Every pool at once (the poll loop): evaluates each, resolves the alerts of pools that
    /// are gone, repeats long-firing alerts, resends to Alertmanager.
    public func observe(_ report: HostReading) {
        let t = now()
        let changed = state.update { s in
            var events: [AlertEvent] = []
            var present: Set<String> = []
            for r in report.pools where s.config.watches(r.name) {
                present.insert(r.name)
                events += evaluate(r, at: t, &s)
            }
            events += s.engine.keep(pools: present, now: t)
            s.trends = s.trends.filter { present.contains($0.key) }
            s.forecasts = s.forecasts.filter { present.contains($0.key) }
            s.usage = s.usage.filter { present.contains($0.key) }
            events += s.engine.repeats(now: t, interval: s.config.repeatInterval)
            var changed = commit(events, at: t, &s)
            // The trends move at every reading: saved with any other change, else once a minute.
            if changed || t.timeIntervalSince(s.trendsSavedAt) >= Self.trendSaveInterval {
                s.trendsSavedAt = t
                if !changed { s.revision += 1 }
                changed = true
            }
            return changed
        }
        if changed { persist() }
    }

    /// How often the usage trends are saved when nothing else is.
    static let trendSaveInterval: TimeInterval = 60

    /// One pool, re-read because its event number moved (the fast path).
    public func observe(pool reading: PoolReading) {
        let t = now()
        let changed = state.update { s in
            guard s.config.watches(reading.name) else { return false }
            return commit(evaluate(reading, at: t, &s), at: t, &s)
        }
        if changed { persist() }
    }

    /// Sets or clears an alert another service owns (autoextend's).
    public func set(pool: String, name: AlertName, _ condition: Condition?) {
        let t = now()
        let changed = state.update { s in commit(s.engine.set(AlertKey(pool: pool, name: name), condition, now: t), at: t, &s) }
        if changed { persist() }
    }

    /// Tells the receivers something that happened once (a pool was grown): a firing
    /// notification that no resolution follows.
    public func announce(pool: String, name: AlertName, _ condition: Condition) {
        let t = now()
        let a = ActiveAlert(
            key: AlertKey(pool: pool, name: name), severity: condition.severity, startsAt: t, lastNotifiedAt: t,
            summary: condition.summary, description: condition.description, value: condition.value)
        let changed = state.update { s in commit([AlertEvent(kind: .firing, alert: a)], at: t, &s, announcement: true) }
        if changed { persist() }
    }

    private func evaluate(_ r: PoolReading, at t: Date, _ s: inout State) -> [AlertEvent] {
        let policy = s.config.policy(for: r.name)
        s.usage[r.name] = r.capacity
        if let c = r.capacity {
            var trend = s.trends[r.name] ?? (UsageTrend(), UsageTrend())
            let window = policy.alerts.timeToFull.window.seconds
            let time = t.timeIntervalSince1970
            trend.data.add(time: time, used: c.data.used.rawValue, total: c.data.total.rawValue, window: window)
            trend.metadata.add(time: time, used: c.metadata.used.rawValue, total: c.metadata.total.rawValue, window: window)
            s.trends[r.name] = trend
            s.forecasts[r.name] = AlertRules.Forecasts.compute(
                data: trend.data, metadata: trend.metadata, capacity: c, now: time, minSamples: policy.alerts.timeToFull.minSamples,
                docker: r.dockerMayUse)
        }
        return s.engine.evaluate(r, policy: policy, forecasts: s.forecasts[r.name] ?? .init(), now: t)
    }

    /// Logs the events and queues them for their receivers (``Outbox/route(_:to:firing:now:announcement:)``);
    /// true when there is something to save (and then to send).
    private func commit(_ events: [AlertEvent], at t: Date, _ s: inout State, announcement: Bool = false) -> Bool {
        for e in events { log(e) }
        let firing = Array(s.engine.active.values)
        let queued = s.outbox.route(events, to: s.config.receivers, firing: firing, now: t, announcement: announcement)
        // Each is sent once the revision it was queued at is saved.
        for n in queued { s.queuedAt[n.id] = s.revision + 1 }
        let changed = !events.isEmpty || !queued.isEmpty
        if changed { s.revision += 1 }
        return changed
    }

    private func log(_ e: AlertEvent) {
        let level: Logger.Level = e.kind == .repeated ? .info : (e.alert.severity == .critical && e.kind != .resolved ? .warning : .info)
        logger.log(
            level: level, "alert \(e.kind.rawValue)",
            metadata: [
                "pool": "\(e.alert.key.pool)", "alertname": "\(e.alert.key.name.rawValue)",
                "severity": "\(e.alert.severity.rawValue)", "summary": "\(e.alert.summary)",
            ])
    }

    // MARK: - State

    /// Saves the newest state, outside the lock: one thread writes at a time and takes the
    /// newest state each time round, so no older state ever overwrites a newer one. Delivery
    /// waits for the save of the revision a notification was queued at.
    private func persist() {
        while true {
            let job = state.withLock { s -> (UInt64, PersistedState)? in
                if s.saving || s.savedRevision >= s.revision { return nil }
                guard store != nil else {
                    s.savedRevision = s.revision
                    return nil
                }
                s.saving = true
                return (s.revision, s.persisted())
            }
            guard let (revision, snapshot) = job, let store else {
                state.update { _ in }  // wake the senders waiting for a save
                return
            }
            var failure: StateStore.Failure?
            do { try store.save(snapshot) } catch { failure = error }
            let (recovered, firstFailure) = state.update { s -> (Bool, Bool) in
                s.saving = false
                s.savedRevision = max(s.savedRevision, revision)
                let had = s.stateError
                s.stateError = failure?.description
                return (had != nil && failure == nil, had == nil && failure != nil)
            }
            if recovered { logger.info("state directory writable again", metadata: ["path": "\(store.path)"]) }
            if firstFailure, let failure {
                logger.error(
                    "cannot save state; going on in memory (a restart would lose pending notifications)",
                    metadata: ["error": "\(failure)"])
            }
        }
    }

    private func dropUnknownReceivers(_ s: inout State) {
        for n in s.outbox.drop(receiversOtherThan: Set(s.config.receivers.map(\.name))) {
            s.results[n.receiver, default: [:]]["dropped", default: 0] += 1
            s.queuedAt[n.id] = nil
            logger.warning(
                "dropping a notification for a receiver that is no longer configured",
                metadata: ["receiver": "\(n.receiver)", "id": "\(n.id)"])
        }
    }

    // MARK: - Delivery

    private func startWorkers() {
        let new = state.withLock { s -> [String] in
            guard s.running else { return [] }
            let new = s.config.receivers.map(\.name).filter { !s.workers.contains($0) }
            s.workers.formUnion(new)
            return new
        }
        for name in new {
            startThread(named: "deliver-\(name)") { [self] in
                deliveryLoop(receiver: name)
                state.update { _ = $0.workers.remove(name) }
            }
        }
    }

    private enum Next {
        case stop
        case send(AlertNotification, ReceiverConfig)
    }

    private func deliveryLoop(receiver name: String) {
        while true {
            // A head that is not yet due sets how long to wait at most (a change wakes sooner).
            let deadline = state.withLock { s -> timespec? in
                guard let due = s.outbox.due(for: name) else { return nil }
                return Locked<State>.deadline(after: min(max(0, due.timeIntervalSince(now())), 1))
            }
            let next = state.wait(until: deadline) { s -> Next? in
                guard s.running, let receiver = s.config.receivers.first(where: { $0.name == name }) else { return .stop }
                guard let head = s.outbox.next(for: name, at: now()),
                    (s.queuedAt[head.id] ?? 0) <= s.savedRevision  // on disk before it is sent
                else { return nil }
                return .send(head, receiver)
            }
            switch next {
            case .stop?: return
            case nil: continue  // the deadline for the head's next attempt passed
            case .send(let head, let receiver)? where receiver.kind == .command:
                let usage = state.withLock { s in head.alerts.first.flatMap { s.usage[$0.pool] } }
                let outcome = CommandReceiver.run(head, receiver: receiver, usage: usage, context: context, logger: logger)
                if state.update({ s in settle(head, outcome: outcome, receiver: receiver, &s) }) { persist() }
            case .send(let head, let receiver)?:
                let outcome: PostOutcome
                do {
                    let request = try Payloads.render(head, receiver: receiver, context: context)
                    logger.debug("posting", metadata: ["receiver": "\(name)", "id": "\(head.id)", "bytes": "\(request.body.count)"])
                    outcome = poster.post(request, timeout: receiver.timeout, caFile: receiver.caFile)
                    logger.debug("posted", metadata: ["receiver": "\(name)", "id": "\(head.id)", "outcome": "\(outcome)"])
                } catch {
                    outcome = .failed(message: "cannot prepare the request: \(error)", seconds: 0)
                }
                if state.update({ s in settle(head, outcome: outcome, receiver: receiver, &s) }) { persist() }
            }
        }
    }

    /// Records an attempt's outcome; true when the state changed (it always does: saved).
    private func settle(_ head: AlertNotification, outcome: PostOutcome, receiver: ReceiverConfig, _ s: inout State) -> Bool {
        guard s.outbox.contains(head.id) else { return false }
        let t = now()
        let age = Duration.milliseconds(Int64(max(0, t.timeIntervalSince(head.createdAt)) * 1000))
        let decision = DeliveryPolicy.decide(outcome, attempts: head.attempts + 1, age: age, receiver: receiver, random: random())
        guard let n = s.outbox.settle(head.id, decision, now: t) else { return false }
        let meta: Logger.Metadata = [
            "receiver": "\(receiver.name)", "id": "\(n.id)", "attempts": "\(n.attempts)",
            "alerts": "\(n.alerts.map { "\($0.pool)/\($0.name.rawValue)/\($0.status.rawValue)" }.joined(separator: ","))",
        ]
        func count(_ result: String) { s.results[receiver.name, default: [:]][result, default: 0] += 1 }
        switch decision {
        case .delivered:
            count("delivered")
            s.latency[receiver.name, default: LatencyHistogram()].observe(t.timeIntervalSince(n.createdAt))
            logger.info(
                "notification delivered",
                metadata: meta.merging([
                    "unix_ns": "\(Int64(t.timeIntervalSince1970 * 1e9))",
                    "latency_ms": "\(Int(t.timeIntervalSince(n.createdAt) * 1000))",
                ]) { $1 })
        case .retry(let after, let reason):
            count("retried")
            logger.warning(
                "notification not delivered; will retry",
                metadata: meta.merging(
                    ["error": "\(reason)", "retry_in": "\(Int(after.seconds * 1000))ms"]) { $1 })
        case .rejected(let reason):
            if receiver.kind == .command {
                count("failed")
                logger.error("command receiver's program failed; not run again", metadata: meta.merging(["error": "\(reason)"]) { $1 })
            } else {
                count("rejected")
                logger.error("notification rejected by the receiver; dropped", metadata: meta.merging(["error": "\(reason)"]) { $1 })
            }
        case .expired(let reason):
            count("expired")
            logger.error("notification expired; dropped", metadata: meta.merging(["error": "\(reason)"]) { $1 })
        }
        if !s.outbox.contains(n.id) { s.queuedAt[n.id] = nil }
        s.revision += 1
        return true
    }

    // MARK: - Looking in

    /// The firing alerts, sorted.
    public var firing: [ActiveAlert] {
        state.withLock { s in s.engine.active.values.sorted { $0.key < $1.key } }
    }

    /// Notifications not yet delivered, in order.
    public var pending: [AlertNotification] { state.withLock { $0.outbox.notifications } }

    /// Delivery results by receiver and result.
    public var deliveryResults: [String: [String: UInt64]] { state.withLock { $0.results } }

    /// Waits until nothing is pending (or `timeout` passes); true when nothing is.
    public func waitUntilDelivered(timeout: Double) -> Bool {
        state.wait(until: Locked<State>.deadline(after: timeout)) { s in s.outbox.notifications.isEmpty ? true : nil } ?? false
    }

    /// What the alerting has done, for the exporter's metrics.
    public var stats: AlertingStats {
        state.withLock { s in
            var stats = AlertingStats()
            stats.firing = s.engine.active.values.sorted { $0.key < $1.key }
            for r in s.config.receivers.map(\.name).sorted() {
                stats.receivers.append(
                    AlertingStats.Receiver(
                        name: r, results: s.results[r] ?? [:], pending: s.outbox.notifications.filter { $0.receiver == r }.count,
                        latency: s.latency[r] ?? LatencyHistogram()))
            }
            stats.forecasts = s.forecasts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            stats.stateWritable = store == nil ? nil : s.stateError == nil
            return stats
        }
    }
}
