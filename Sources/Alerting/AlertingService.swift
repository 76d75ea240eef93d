import AgentConfig
import Exposition
import Foundation
import Logging
import ThinPool

/// Turns pool readings into alerts and alerts into delivered notifications.
///
/// Readings go through the rules and the alert engine; every change becomes a notification per
/// routed receiver, saved (with the alert state, in one atomic write) before anything is sent.
/// One delivery thread per receiver sends its notifications in order, retrying with backoff.
/// After a restart, firing alerts are not announced again and undelivered notifications are
/// sent. If the state directory cannot be written, it goes on in memory and says so.
public final class AlertingService: @unchecked Sendable {
    private let lock = NSCondition()
    private var config: AgentConfig
    private var engine = AlertEngine()
    private var outbox: [AlertNotification] = []
    private var nextSequence: UInt64 = 1
    private var lastResend: [String: Date] = [:]
    private var trends: [String: (data: UsageTrend, metadata: UsageTrend)] = [:]
    private var forecasts: [String: AlertRules.Forecasts] = [:]
    private var results: [String: [String: UInt64]] = [:]
    private var latency: [String: LatencyHistogram] = [:]
    private var stateError: String?
    private var workers: [String: Thread] = [:]
    private var running = false

    private let store: StateStore?
    private let poster: any HTTPPoster
    private let context: Payloads.Context
    private let logger: Logger
    private let now: @Sendable () -> Date
    private let random: @Sendable () -> Double

    public init(config: AgentConfig, store: StateStore?, poster: any HTTPPoster = CurlPoster(), context: Payloads.Context,
                logger: Logger, now: @escaping @Sendable () -> Date = { Date() },
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.config = config
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
        lock.lock()
        defer { lock.unlock() }
        if let store {
            do {
                if let saved = try store.load() {
                    engine = AlertEngine(active: Dictionary(saved.alerts.map { ($0.key, $0) }, uniquingKeysWith: { $1 }))
                    outbox = saved.outbox.sorted { $0.sequence < $1.sequence }
                    nextSequence = max(saved.nextSequence, (outbox.map(\.sequence).max() ?? 0) + 1)
                    lastResend = saved.lastResend
                    logger.info("state restored", metadata: ["firing": "\(saved.alerts.count)", "pending": "\(saved.outbox.count)",
                                                             "path": "\(store.path)"])
                }
            } catch {
                // A corrupt file must not stop the agent: keep it aside and start afresh.
                let aside = store.path + ".unreadable-\(Int(now().timeIntervalSince1970))"
                rename(store.path, aside)
                logger.error("state unreadable; kept aside, starting afresh", metadata: ["error": "\(error)", "kept": "\(aside)"])
            }
        }
        dropUnknownReceiversLocked()
        if !config.receivers.isEmpty {
            // The first POST and the first save would otherwise pay for libcurl's and the
            // Swift runtime's first-use costs (a second and more on a slow machine): the
            // first alert must not wait for them.
            CurlPoster.warmUp()
            _ = try? JSONEncoder().encode(PersistedState())
        }
        running = true
        startWorkersLocked()
    }

    /// Stops the delivery threads (an attempt in flight finishes, up to its timeout).
    public func stop() {
        lock.lock()
        running = false
        lock.broadcast()
        let threads = Array(workers.values)
        lock.unlock()
        let deadline = Date().addingTimeInterval(15)
        while threads.contains(where: { $0.isExecuting }), Date() < deadline { usleep(10_000) }
        lock.lock()
        workers.removeAll()
        lock.unlock()
    }

    /// Applies a new configuration: rules at once; receivers started, changed or stopped
    /// (notifications pending for a receiver that is gone are dropped and counted).
    public func reload(_ newConfig: AgentConfig) {
        lock.lock()
        defer { lock.unlock() }
        config = newConfig
        dropUnknownReceiversLocked()
        if running { startWorkersLocked() }
        persistLocked()
        lock.broadcast()
    }

    // MARK: - Readings

    /// Every pool at once (the poll loop): evaluates each, resolves the alerts of pools that
    /// are gone, repeats long-firing alerts, resends to Alertmanager.
    public func observe(_ report: PoolReport) {
        lock.lock()
        defer { lock.unlock() }
        let t = now()
        var events: [AlertEvent] = []
        var present: Set<String> = []
        for r in report.pools where config.watches(r.name) {
            present.insert(r.name)
            events += evaluateLocked(r, at: t)
        }
        events += engine.keep(pools: present, now: t)
        trends = trends.filter { present.contains($0.key) }
        forecasts = forecasts.filter { present.contains($0.key) }
        events += engine.repeats(now: t, interval: config.repeatInterval)
        commitLocked(events, at: t)
    }

    /// One pool, re-read because its event number moved (the fast path).
    public func observe(pool reading: PoolReading) {
        lock.lock()
        defer { lock.unlock() }
        guard config.watches(reading.name) else { return }
        let t = now()
        commitLocked(evaluateLocked(reading, at: t), at: t)
    }

    /// Sets or clears an alert that autoextend owns (``AlertName/autoextendFailed``).
    public func setExternal(pool: String, name: AlertName, _ condition: Condition?) {
        lock.lock()
        defer { lock.unlock() }
        let t = now()
        commitLocked(engine.set(AlertKey(pool: pool, name: name), condition, now: t), at: t)
    }

    /// Tells the receivers something that happened once (autoextend grew a pool): a firing
    /// notification that no resolution follows.
    public func announce(pool: String, name: AlertName, _ condition: Condition) {
        lock.lock()
        defer { lock.unlock() }
        let t = now()
        let a = ActiveAlert(key: AlertKey(pool: pool, name: name), severity: condition.severity, startsAt: t, lastNotifiedAt: t,
                            summary: condition.summary, description: condition.description, value: condition.value)
        commitLocked([AlertEvent(kind: .firing, alert: a)], at: t, announcement: true)
    }

    private func evaluateLocked(_ r: PoolReading, at t: Date) -> [AlertEvent] {
        let policy = config.policy(for: r.name)
        if let c = r.capacity {
            var trend = trends[r.name] ?? (UsageTrend(), UsageTrend())
            let window = policy.alerts.timeToFull.window.seconds
            let time = t.timeIntervalSince1970
            trend.data.add(time: time, used: c.data.used.rawValue, total: c.data.total.rawValue, window: window)
            trend.metadata.add(time: time, used: c.metadata.used.rawValue, total: c.metadata.total.rawValue, window: window)
            trends[r.name] = trend
            let min = policy.alerts.timeToFull.minSamples
            forecasts[r.name] = AlertRules.Forecasts(dataSecondsToFull: trend.data.secondsToFull(now: time, minSamples: min),
                                                     metadataSecondsToFull: trend.metadata.secondsToFull(now: time, minSamples: min))
        }
        return engine.evaluate(r, policy: policy, forecasts: forecasts[r.name] ?? .init(), now: t)
    }

    /// Queues the events for their receivers, saves, wakes the senders. An announcement is not
    /// an alert the engine keeps (no resend to Alertmanager).
    private func commitLocked(_ events: [AlertEvent], at t: Date, announcement: Bool = false) {
        var changed = !events.isEmpty
        for e in events {
            log(e)
            let notified = e.notified
            for r in config.receivers {
                guard notified.contains(where: { r.routes(severity: $0.severity.rawValue, pool: $0.pool) }) else { continue }
                if e.kind == .resolved, !r.sendResolved { continue }
                // Alertmanager repeats by itself; it gets the periodic resend instead.
                if e.kind == .repeated, r.kind == .alertmanager { continue }
                enqueueLocked(receiver: r.name, alerts: notified, at: t)
            }
        }
        for r in config.receivers where r.kind == .alertmanager && !announcement {
            let firing = engine.active.values.filter { r.routes(severity: $0.severity.rawValue, pool: $0.key.pool) }
                .sorted { $0.key < $1.key }
            guard !firing.isEmpty, t.timeIntervalSince(lastResend[r.name] ?? .distantPast) >= r.resendInterval.seconds else { continue }
            lastResend[r.name] = t
            outbox.removeAll { $0.receiver == r.name && $0.isResend && $0.attempts == 0 }
            enqueueLocked(receiver: r.name, alerts: firing.map { NotifiedAlert($0, status: .firing) }, at: t, resend: true)
            changed = true
        }
        if changed {
            persistLocked()
            logger.debug("saved and queued", metadata: ["pending": "\(outbox.count)"])
            lock.broadcast()
        }
    }

    private func enqueueLocked(receiver: String, alerts: [NotifiedAlert], at t: Date, resend: Bool = false) {
        outbox.append(AlertNotification(sequence: nextSequence, receiver: receiver, alerts: alerts, createdAt: t, isResend: resend))
        nextSequence += 1
    }

    private func log(_ e: AlertEvent) {
        let level: Logger.Level = e.kind == .repeated ? .info : (e.alert.severity == .critical && e.kind != .resolved ? .warning : .info)
        logger.log(level: level, "alert \(e.kind.rawValue)", metadata: [
            "pool": "\(e.alert.key.pool)", "alertname": "\(e.alert.key.name.rawValue)",
            "severity": "\(e.alert.severity.rawValue)", "summary": "\(e.alert.summary)",
        ])
    }

    // MARK: - State

    private func persistLocked() {
        guard let store else { return }
        var s = PersistedState()
        s.alerts = engine.active.values.sorted { $0.key < $1.key }
        s.outbox = outbox
        s.nextSequence = nextSequence
        s.lastResend = lastResend
        do {
            try store.save(s)
            if stateError != nil {
                logger.info("state directory writable again", metadata: ["path": "\(store.path)"])
                stateError = nil
            }
        } catch {
            if stateError == nil {
                logger.error("cannot save state; going on in memory (a restart would lose pending notifications)",
                             metadata: ["error": "\(error)"])
            }
            stateError = error.description
        }
    }

    private func dropUnknownReceiversLocked() {
        let names = Set(config.receivers.map(\.name))
        for n in outbox where !names.contains(n.receiver) {
            count(n.receiver, "dropped")
            logger.warning("dropping a notification for a receiver that is no longer configured",
                           metadata: ["receiver": "\(n.receiver)", "id": "\(n.id)"])
        }
        outbox.removeAll { !names.contains($0.receiver) }
    }

    // MARK: - Delivery

    private func startWorkersLocked() {
        for r in config.receivers where workers[r.name] == nil {
            let name = r.name
            let thread = Thread { [weak self] in self?.deliveryLoop(receiver: name) }
            thread.name = "deliver-\(name)"
            workers[name] = thread
            thread.start()
        }
    }

    private func deliveryLoop(receiver name: String) {
        lock.lock()
        defer {
            workers[name] = nil
            lock.unlock()
        }
        while running {
            guard let receiver = config.receivers.first(where: { $0.name == name }) else { return }
            guard let head = outbox.first(where: { $0.receiver == name }) else {
                lock.wait()
                continue
            }
            if head.nextAttemptAt > now() {
                _ = lock.wait(until: min(head.nextAttemptAt, Date().addingTimeInterval(1)))
                continue
            }
            lock.unlock()
            let outcome: PostOutcome
            do {
                let request = try Payloads.render(head, receiver: receiver, context: context)
                logger.debug("posting", metadata: ["receiver": "\(name)", "id": "\(head.id)", "bytes": "\(request.body.count)"])
                outcome = poster.post(request, timeout: receiver.timeout, caFile: receiver.caFile)
                logger.debug("posted", metadata: ["receiver": "\(name)", "id": "\(head.id)", "outcome": "\(outcome)"])
            } catch {
                outcome = .failed(message: "cannot prepare the request: \(error.localizedDescription)", seconds: 0)
            }
            lock.lock()
            settleLocked(head, outcome: outcome, receiver: receiver)
        }
    }

    private func settleLocked(_ head: AlertNotification, outcome: PostOutcome, receiver: ReceiverConfig) {
        guard let i = outbox.firstIndex(where: { $0.id == head.id }) else { return }
        let t = now()
        var n = outbox[i]
        n.attempts += 1
        let age = Duration.milliseconds(Int64(max(0, t.timeIntervalSince(n.createdAt)) * 1000))
        let meta: Logger.Metadata = ["receiver": "\(receiver.name)", "id": "\(n.id)", "attempts": "\(n.attempts)",
                                     "alerts": "\(n.alerts.map { "\($0.pool)/\($0.name.rawValue)/\($0.status.rawValue)" }.joined(separator: ","))"]
        switch DeliveryPolicy.decide(outcome, attempts: n.attempts, age: age, receiver: receiver, random: random()) {
        case .delivered:
            outbox.remove(at: i)
            count(receiver.name, "delivered")
            latency[receiver.name, default: LatencyHistogram()].observe(t.timeIntervalSince(n.createdAt))
            logger.info("notification delivered", metadata: meta.merging([
                "unix_ns": "\(Int64(t.timeIntervalSince1970 * 1e9))",
                "latency_ms": "\(Int(t.timeIntervalSince(n.createdAt) * 1000))"]) { $1 })
        case .retry(let after, let reason):
            n.nextAttemptAt = t.addingTimeInterval(after.seconds)
            n.lastError = reason
            outbox[i] = n
            count(receiver.name, "retried")
            logger.warning("notification not delivered; will retry", metadata: meta.merging(
                ["error": "\(reason)", "retry_in": "\(Int(after.seconds * 1000))ms"]) { $1 })
        case .rejected(let reason):
            outbox.remove(at: i)
            count(receiver.name, "rejected")
            logger.error("notification rejected by the receiver; dropped", metadata: meta.merging(["error": "\(reason)"]) { $1 })
        case .expired(let reason):
            outbox.remove(at: i)
            count(receiver.name, "expired")
            logger.error("notification expired; dropped", metadata: meta.merging(["error": "\(reason)"]) { $1 })
        }
        persistLocked()
    }

    private func count(_ receiver: String, _ result: String) {
        results[receiver, default: [:]][result, default: 0] += 1
    }

    // MARK: - Looking in

    /// The firing alerts, sorted.
    public var firing: [ActiveAlert] {
        lock.lock()
        defer { lock.unlock() }
        return engine.active.values.sorted { $0.key < $1.key }
    }

    /// Notifications not yet delivered, in order.
    public var pending: [AlertNotification] {
        lock.lock()
        defer { lock.unlock() }
        return outbox
    }

    /// Delivery results by receiver and result.
    public var deliveryResults: [String: [String: UInt64]] {
        lock.lock()
        defer { lock.unlock() }
        return results
    }

    /// Waits until nothing is pending (or `timeout` passes); true when nothing is.
    public func waitUntilDelivered(timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            lock.lock()
            let empty = outbox.isEmpty
            lock.unlock()
            if empty { return true }
            usleep(10_000)
        }
        return false
    }

    /// The alerting metrics.
    public func metrics() -> [MetricFamily] {
        lock.lock()
        defer { lock.unlock() }
        var firing = MetricFamily("thinpool_alerts_firing", .gauge, help: "Alerts firing now, by pool, alert name and severity.")
        for a in engine.active.values.sorted(by: { $0.key < $1.key }) {
            firing.add(["pool": a.key.pool, "alertname": a.key.name.rawValue, "severity": a.severity.rawValue], 1)
        }
        var notifications = MetricFamily("thinpool_notifications", .counter,
                                         help: "Notification attempts by receiver and result: delivered, retried (an attempt failed; it will be retried), rejected (a 4xx), expired (undelivered past max_age), dropped (receiver removed).")
        var pending = MetricFamily("thinpool_notifications_pending", .gauge, help: "Notifications waiting to be delivered, by receiver.")
        var delivery = MetricFamily("thinpool_notification_delivery_seconds", .histogram,
                                    help: "Time from an alert's change to its notification's delivery (retries included), by receiver.")
        for r in config.receivers.map(\.name).sorted() {
            for result in ["delivered", "retried", "rejected", "expired", "dropped"] {
                notifications.add(["receiver": r, "result": result], .integer(results[r]?[result] ?? 0))
            }
            pending.add(["receiver": r], .integer(UInt64(outbox.filter { $0.receiver == r }.count)))
            let h = latency[r] ?? LatencyHistogram()
            delivery.addHistogram([Label("receiver", r)], bounds: LatencyHistogram.bounds, cumulativeCounts: h.cumulative,
                                  sum: h.sum, count: h.count)
        }
        var dataFull = MetricFamily("thinpool_data_full_seconds", .gauge,
                                    help: "Seconds until the pool's data space is full at the current rate (a linear fit of used space); absent when it is not filling.")
        var metaFull = MetricFamily("thinpool_metadata_full_seconds", .gauge,
                                    help: "Seconds until the pool's metadata space is full at the current rate; absent when it is not filling.")
        for (pool, f) in forecasts.sorted(by: { $0.key < $1.key }) {
            if let s = f.dataSecondsToFull { dataFull.add(["pool": pool], .double(s.rounded())) }
            if let s = f.metadataSecondsToFull { metaFull.add(["pool": pool], .double(s.rounded())) }
        }
        var writable = MetricFamily("thinpool_state_writable", .gauge,
                                    help: "1 if the state directory could be written at the last save, 0 if the agent is going on in memory.")
        if store != nil { writable.add([:], SampleValue(stateError == nil)) }
        return [firing, notifications, pending, delivery, dataFull, metaFull, writable]
    }
}

/// Delivery latencies in fixed buckets.
struct LatencyHistogram {
    static let bounds: [Double] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800]
    var counts = [UInt64](repeating: 0, count: bounds.count)
    var sum = 0.0
    var count: UInt64 = 0

    mutating func observe(_ seconds: Double) {
        for (i, b) in Self.bounds.enumerated() where seconds <= b { counts[i] += 1 }
        sum += seconds
        count += 1
    }

    var cumulative: [UInt64] { counts }
}
