/// Where a service that acts on pools (autoextend) reports what on-call should hear about,
/// without holding the alerting service or knowing how notifications are delivered.
public protocol AlertPublisher: Sendable {
    /// Sets (a condition) or clears (nil) an alert the rules do not evaluate: it fires,
    /// changes severity or resolves like any other.
    func set(pool: String, name: AlertName, _ condition: Condition?)
    /// Tells once: a firing notification that no resolution follows (a pool was grown).
    func announce(pool: String, name: AlertName, _ condition: Condition)
}
