import Foundation

public enum Severity: String, Sendable, Codable, Comparable, CaseIterable {
    case warning, critical

    public static func < (a: Severity, b: Severity) -> Bool { a == .warning && b == .critical }
}

/// The alerts thinpool-exporter raises, one name each (the `alertname` label).
public enum AlertName: String, Sendable, Codable, CaseIterable {
    case dataUsage = "ThinPoolDataUsage"
    case metadataUsage = "ThinPoolMetadataUsage"
    case nearMinFreeSpace = "ThinPoolNearMinFreeSpace"
    case lowWaterMark = "ThinPoolLowWaterMark"
    case outOfDataSpace = "ThinPoolOutOfDataSpace"
    case readOnly = "ThinPoolReadOnly"
    case failed = "ThinPoolFailed"
    case needsCheck = "ThinPoolNeedsCheck"
    case dataFullSoon = "ThinPoolDataFullSoon"
    case metadataFullSoon = "ThinPoolMetadataFullSoon"
    case unreadable = "ThinPoolUnreadable"
    /// Autoextend grew the pool (a one-time announcement).
    case autoextended = "ThinPoolAutoextended"
    /// Autoextend should grow the pool but refused or failed; resolves once it succeeds or
    /// is no longer needed.
    case autoextendFailed = "ThinPoolAutoextendFailed"

    /// Alerts set from outside the rules (by autoextend), left alone when the rules run.
    public var isExternal: Bool { self == .autoextended || self == .autoextendFailed }
}

/// One alert instance: a pool and an alert name. At most one severity at a time.
public struct AlertKey: Hashable, Sendable, Codable, Comparable {
    public var pool: String
    public var name: AlertName

    public init(pool: String, name: AlertName) {
        self.pool = pool
        self.name = name
    }

    public static func < (a: AlertKey, b: AlertKey) -> Bool {
        (a.pool, a.name.rawValue) < (b.pool, b.name.rawValue)
    }
}

/// What a rule found about a pool right now.
public struct Condition: Sendable, Equatable {
    public init(severity: Severity, summary: String, description: String, value: Double? = nil) {
        self.severity = severity
        self.summary = summary
        self.description = description
        self.value = value
    }

    public var severity: Severity
    /// One line with the numbers in words.
    public var summary: String
    /// More detail: what it means and what to do.
    public var description: String
    /// The measured value (a ratio, seconds...), for receivers that want it.
    public var value: Double?
}

/// An alert that is firing, as kept (and persisted) by the engine.
public struct ActiveAlert: Sendable, Equatable, Codable {
    public var key: AlertKey
    public var severity: Severity
    public var startsAt: Date
    public var lastNotifiedAt: Date
    public var summary: String
    public var description: String
    public var value: Double?
}

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
}
