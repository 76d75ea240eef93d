import Foundation

/// A change worth telling receivers about.
public struct AlertEvent: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// Newly firing.
        case firing
        /// Still firing, at another severity (the old severity's labels resolve).
        case severityChanged
        /// Still firing after the repeat interval.
        case repeated
        /// No longer firing.
        case resolved
    }

    public var kind: Kind
    public var alert: ActiveAlert
    /// For `.severityChanged`: the severity it had.
    public var previousSeverity: Severity?
    /// For `.resolved`: when it ended.
    public var endsAt: Date?

    public init(kind: Kind, alert: ActiveAlert, previousSeverity: Severity? = nil, endsAt: Date? = nil) {
        self.kind = kind
        self.alert = alert
        self.previousSeverity = previousSeverity
        self.endsAt = endsAt
    }
}
