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

    public init(
        status: Status, pool: String, name: AlertName, severity: Severity, summary: String,
        description: String, startsAt: Date, endsAt: Date?
    ) {
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
        self.init(
            status: status, pool: a.key.pool, name: a.key.name, severity: severity ?? a.severity, summary: a.summary,
            description: a.description, startsAt: a.startsAt, endsAt: endsAt)
    }

    /// The labels every receiver sees.
    public func labels(host: String) -> [(String, String)] {
        [("alertname", name.rawValue), ("host", host), ("pool", pool), ("severity", severity.rawValue)]
    }
}
