import Foundation

/// An alert that is firing, as kept (and persisted) by the engine.
public struct ActiveAlert: Sendable, Equatable, Codable {
    public var key: AlertKey
    public var severity: Severity
    public var startsAt: Date
    public var lastNotifiedAt: Date
    public var summary: String
    public var description: String
    public var value: Double?

    public init(
        key: AlertKey, severity: Severity, startsAt: Date, lastNotifiedAt: Date, summary: String,
        description: String, value: Double?
    ) {
        self.key = key
        self.severity = severity
        self.startsAt = startsAt
        self.lastNotifiedAt = lastNotifiedAt
        self.summary = summary
        self.description = description
        self.value = value
    }
}
