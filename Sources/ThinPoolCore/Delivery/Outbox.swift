import Foundation

/// The notifications not yet delivered, in the order they are to be sent, and the decisions
/// that put them there and take them out: which receiver is told of which alert change, when
/// Alertmanager gets its resend, what an attempt's outcome does. A value: the alerting service
/// keeps one, saves it with the alert state, and sends what it holds.
public struct Outbox: Sendable, Equatable {
    /// In sending order (by sequence); each receiver's are sent one at a time, oldest first.
    public private(set) var notifications: [AlertNotification] = []
    /// The next notification's sequence number.
    public private(set) var nextSequence: UInt64 = 1
    /// When each Alertmanager receiver last got every firing alert.
    public private(set) var lastResend: [String: Date] = [:]

    public init() {}

    /// An outbox as saved: the notifications sorted by sequence, and a next sequence past them
    /// all (a saved one lower than a notification's is not trusted).
    public init(saved notifications: [AlertNotification], nextSequence: UInt64, lastResend: [String: Date]) {
        self.notifications = notifications.sorted { $0.sequence < $1.sequence }
        self.nextSequence = max(nextSequence, (notifications.map(\.sequence).max() ?? 0) + 1)
        self.lastResend = lastResend
    }

    /// Queues `events` for the receivers that route them: one notification per event and
    /// receiver (a severity change tells both the old severity's resolution and the new one's
    /// firing). Resolutions only to receivers that want them; repeats not to Alertmanager, which
    /// repeats by itself and gets the resend instead: every firing alert it routes, once per its
    /// `resend_interval` (replacing a resend not yet attempted). `firing` is every alert firing
    /// after the events; an `announcement` (a one-time notice, not an alert the engine keeps)
    /// does not count as a change for the resend. Returns what was queued, in order.
    @discardableResult
    public mutating func route(
        _ events: [AlertEvent], to receivers: [ReceiverConfig], firing: [ActiveAlert], now: Date, announcement: Bool = false
    ) -> [AlertNotification] {
        var queued: [AlertNotification] = []
        for e in events {
            let notified = e.notified
            for r in receivers {
                guard notified.contains(where: { r.routes(severity: $0.severity.rawValue, pool: $0.pool) }) else { continue }
                if e.kind == .resolved, !r.sendResolved { continue }
                if e.kind == .repeated, r.kind == .alertmanager { continue }
                queued.append(enqueue(receiver: r.name, alerts: notified, at: now))
            }
        }
        guard !announcement else { return queued }
        for r in receivers where r.kind == .alertmanager {
            let routed = firing.filter { r.routes(severity: $0.severity.rawValue, pool: $0.key.pool) }.sorted { $0.key < $1.key }
            guard !routed.isEmpty, now.timeIntervalSince(lastResend[r.name] ?? .distantPast) >= r.resendInterval.seconds else { continue }
            lastResend[r.name] = now
            notifications.removeAll { $0.receiver == r.name && $0.isResend && $0.attempts == 0 }
            queued.append(enqueue(receiver: r.name, alerts: routed.map { NotifiedAlert($0, status: .firing) }, at: now, resend: true))
        }
        return queued
    }

    /// The next notification for `receiver`, when it is due at `now`.
    public func next(for receiver: String, at now: Date) -> AlertNotification? {
        guard let head = notifications.first(where: { $0.receiver == receiver }), head.nextAttemptAt <= now else { return nil }
        return head
    }

    /// When `receiver`'s next notification is due; nil when it has none.
    public func due(for receiver: String) -> Date? {
        notifications.first { $0.receiver == receiver }?.nextAttemptAt
    }

    /// An attempt at notification `id` made at `now`, and what the delivery policy made of it:
    /// delivered, rejected or expired take it out; a retry counts the attempt and sets when the
    /// next is due. Returns the notification with its attempts counted; nil when it is no longer
    /// queued.
    public mutating func settle(_ id: String, _ decision: DeliveryDecision, now: Date) -> AlertNotification? {
        guard let i = notifications.firstIndex(where: { $0.id == id }) else { return nil }
        var n = notifications[i]
        n.attempts += 1
        switch decision {
        case .delivered, .rejected, .expired:
            notifications.remove(at: i)
        case .retry(let after, let reason):
            n.nextAttemptAt = now.addingTimeInterval(after.seconds)
            n.lastError = reason
            notifications[i] = n
        }
        return n
    }

    /// Takes out the notifications of receivers not named (a reload removed them); returns them.
    public mutating func drop(receiversOtherThan names: Set<String>) -> [AlertNotification] {
        let gone = notifications.filter { !names.contains($0.receiver) }
        notifications.removeAll { !names.contains($0.receiver) }
        return gone
    }

    /// Whether notification `id` is still queued.
    public func contains(_ id: String) -> Bool { notifications.contains { $0.id == id } }

    private mutating func enqueue(receiver: String, alerts: [NotifiedAlert], at t: Date, resend: Bool = false) -> AlertNotification {
        let n = AlertNotification(sequence: nextSequence, receiver: receiver, alerts: alerts, createdAt: t, isResend: resend)
        notifications.append(n)
        nextSequence += 1
        return n
    }
}
