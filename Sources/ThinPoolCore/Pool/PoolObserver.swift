/// What consumes pool readings as the watcher makes them (alerting, autoextend): the watcher
/// hands readings on without knowing who takes them.
public protocol PoolObserver: Sendable {
    /// Every pool at once (a full read: the poll interval, or devices came or went).
    func observe(_ report: HostReading)
    /// One pool, re-read because its event number moved. Must not block on I/O.
    func observe(pool reading: PoolReading)
}
