/// How urgent an alert is.
public enum Severity: String, Sendable, Codable, Comparable, CaseIterable {
    case warning, critical

    public static func < (a: Severity, b: Severity) -> Bool { a == .warning && b == .critical }
}
