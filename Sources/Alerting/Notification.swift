import Foundation

/// One alert as a notification carries it.
public struct NotifiedAlert: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable { case firing, resolved }

    public var status: Status
    public var pool: String
    public var name: AlertName
    public var severity: Severity
    public var summary: String
    public var description: String
    public var startsAt: Date
    public var endsAt: Date?

    public init(status: Status, pool: String, name: AlertName, severity: Severity, summary: String,
                description: String, startsAt: Date, endsAt: Date?) {
        self.status = status
        self.pool = pool
        self.name = name
        self.severity = severity
        self.summary = summary
        self.description = description
        self.startsAt = startsAt
        self.endsAt = endsAt
    }

    public init(_ a: ActiveAlert, status: Status, severity: Severity? = nil, endsAt: Date? = nil) {
        self.init(status: status, pool: a.key.pool, name: a.key.name, severity: severity ?? a.severity, summary: a.summary,
                  description: a.description, startsAt: a.startsAt, endsAt: endsAt)
    }

    /// The labels every receiver sees.
    public func labels(host: String) -> [(String, String)] {
        [("alertname", name.rawValue), ("host", host), ("pool", pool), ("severity", severity.rawValue)]
    }
}

/// What one receiver is to be told: one alert's change (two alerts when its severity changed:
/// the old severity resolved and the new firing), or every firing alert (Alertmanager resend).
/// Persisted in the state directory until delivered.
public struct AlertNotification: Sendable, Equatable, Codable {
    public var id: String
    public var sequence: UInt64
    public var receiver: String
    public var alerts: [NotifiedAlert]
    public var createdAt: Date
    public var attempts: Int = 0
    public var nextAttemptAt: Date
    public var lastError: String?
    /// An Alertmanager resend (replaced, not queued behind, by the next one).
    public var isResend = false

    public init(id: String = UUID().uuidString.lowercased(), sequence: UInt64, receiver: String, alerts: [NotifiedAlert],
                createdAt: Date, isResend: Bool = false) {
        self.id = id
        self.sequence = sequence
        self.receiver = receiver
        self.alerts = alerts
        self.createdAt = createdAt
        self.nextAttemptAt = createdAt
        self.isResend = isResend
    }

    public var status: NotifiedAlert.Status { alerts.contains { $0.status == .firing } ? .firing : .resolved }
}

extension AlertEvent {
    /// The alerts a receiver is told for this event.
    public var notified: [NotifiedAlert] {
        switch kind {
        case .firing, .repeated: return [NotifiedAlert(alert, status: .firing)]
        case .resolved: return [NotifiedAlert(alert, status: .resolved, endsAt: endsAt)]
        case .severityChanged:
            return [NotifiedAlert(alert, status: .resolved, severity: previousSeverity, endsAt: alert.lastNotifiedAt),
                    NotifiedAlert(alert, status: .firing)]
        }
    }
}
