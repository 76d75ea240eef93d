import Foundation

/// The alert state machine: pool readings and time in, events out. Pure and deterministic;
/// its state (the firing alerts) is persisted by the caller so a restart announces nothing twice.
public struct AlertEngine: Sendable, Equatable {
    /// Firing alerts by key.
    public private(set) var active: [AlertKey: ActiveAlert]

    public init(active: [AlertKey: ActiveAlert] = [:]) {
        self.active = active
    }

    /// Evaluates one pool at `now`. Returns what changed.
    public mutating func evaluate(
        _ reading: PoolReading, policy: PoolPolicy, forecasts: AlertRules.Forecasts = .init(),
        now: Date
    ) -> [AlertEvent] {
        let pool = reading.name
        let conditions = AlertRules.evaluate(reading, policy: policy, forecasts: forecasts, now: now.timeIntervalSince1970) {
            active[AlertKey(pool: pool, name: $0)]?.severity
        }
        var events: [AlertEvent] = []
        for name in AlertName.rules {
            events += transition(AlertKey(pool: pool, name: name), conditions[name], now: now)
        }
        return events
    }

    /// Sets (or with nil, clears) an alert the rules do not evaluate -- one autoextend raises.
    public mutating func set(_ key: AlertKey, _ condition: Condition?, now: Date) -> [AlertEvent] {
        transition(key, condition, now: now)
    }

    /// What `condition` (nil: not true now) means for the alert `key`: fires, changes
    /// severity, resolves, or nothing.
    private mutating func transition(_ key: AlertKey, _ condition: Condition?, now: Date) -> [AlertEvent] {
        switch (active[key], condition) {
        case (nil, let c?):
            let a = ActiveAlert(
                key: key, severity: c.severity, startsAt: now, lastNotifiedAt: now,
                summary: c.summary, description: c.description, value: c.value)
            active[key] = a
            return [AlertEvent(kind: .firing, alert: a)]
        case (var a?, let c?):
            let previous = a.severity
            a.summary = c.summary
            a.description = c.description
            a.value = c.value
            guard c.severity != previous else {
                active[key] = a
                return []
            }
            a.severity = c.severity
            a.lastNotifiedAt = now
            active[key] = a
            return [AlertEvent(kind: .severityChanged, alert: a, previousSeverity: previous)]
        case (let a?, nil):
            active[key] = nil
            return [AlertEvent(kind: .resolved, alert: a, endsAt: now)]
        case (nil, nil):
            return []
        }
    }

    /// Resolves the alerts of pools not among `present` (removed, or no longer watched).
    public mutating func keep(pools present: Set<String>, now: Date) -> [AlertEvent] {
        var events: [AlertEvent] = []
        for (key, a) in active.sorted(by: { $0.key < $1.key }) where !present.contains(key.pool) {
            active[key] = nil
            var ended = a
            ended.summary = "pool \(key.pool) no longer exists (or is no longer watched)"
            events.append(AlertEvent(kind: .resolved, alert: ended, endsAt: now))
        }
        return events
    }

    /// Alerts firing for `interval` since they were last announced: announced again.
    public mutating func repeats(now: Date, interval: Duration) -> [AlertEvent] {
        var events: [AlertEvent] = []
        for (key, var a) in active.sorted(by: { $0.key < $1.key }) where now.timeIntervalSince(a.lastNotifiedAt) >= interval.seconds {
            a.lastNotifiedAt = now
            active[key] = a
            events.append(AlertEvent(kind: .repeated, alert: a))
        }
        return events
    }
}
