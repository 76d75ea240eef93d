import Foundation

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

    public init(
        id: String = UUID().uuidString.lowercased(), sequence: UInt64, receiver: String, alerts: [NotifiedAlert],
        createdAt: Date, isResend: Bool = false
    ) {
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
            return [
                NotifiedAlert(alert, status: .resolved, severity: previousSeverity, endsAt: alert.lastNotifiedAt),
                NotifiedAlert(alert, status: .firing),
            ]
        }
    }
}
