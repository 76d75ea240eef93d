#if canImport(Glibc)
    import Glibc
#endif

/// The one way long-lived mutable state is shared here: all of a service's state in one value,
/// behind one pthread mutex with one condition variable.
///
/// - `withLock` reads or changes the state;
/// - `update` changes it and wakes every waiter;
/// - `wait(until:_:)` runs a closure under the lock, at once and again after every wake-up,
///   until it returns a value or the deadline passes -- the mutex is released between, so a
///   thread waits for work, for a stop or for a result without sleeping in a loop.
///
/// pthread rather than `Synchronization.Mutex`: ThreadSanitizer cannot see Mutex's futex lock on
/// Linux and reports every access made under it from two threads as a race (a two-thread
/// counter shows it), which would make the TSan run fail at random or mean nothing. pthread
/// mutexes and conditions are intercepted by TSan, so what it reports is real.
public final class Locked<State>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    /// Out of line rather than a stored `var`: the mutex already keeps accesses apart, and a
    /// class's `var` passed `inout` would cost a dynamic exclusivity check (swift_beginAccess)
    /// on every lock, the alert path's included.
    private let state: UnsafeMutablePointer<State>

    public init(_ state: State) {
        self.state = .allocate(capacity: 1)
        self.state.initialize(to: state)
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        // Deadlines are measured on the monotonic clock: a wall-clock jump neither ends a wait
        // early nor stretches it.
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        state.deinitialize(count: 1)
        state.deallocate()
        pthread_cond_destroy(condition)
        condition.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the state, under the lock.
    public func withLock<Result, Failure: Error>(_ body: (inout State) throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&state.pointee)
    }

    /// Runs `body` with the state under the lock, then wakes every thread waiting in
    /// ``wait(until:_:)``.
    public func update<Result, Failure: Error>(_ body: (inout State) throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer {
            pthread_cond_broadcast(condition)
            pthread_mutex_unlock(mutex)
        }
        return try body(&state.pointee)
    }

    /// Runs `take` under the lock until it returns a value: at once, then after every
    /// ``update(_:)`` (or spurious wake-up), with the mutex released while waiting. nil when
    /// `deadline` (a monotonic instant, see ``deadline(after:)``) passes first.
    public func wait<Result>(until deadline: timespec? = nil, _ take: (inout State) -> Result?) -> Result? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while true {
            if let r = take(&state.pointee) { return r }
            if var d = deadline {
                if pthread_cond_timedwait(condition, mutex, &d) == ETIMEDOUT { return take(&state.pointee) }
            } else {
                pthread_cond_wait(condition, mutex)
            }
        }
    }

    /// The monotonic instant `seconds` from now, for ``wait(until:_:)``.
    public static func deadline(after seconds: Double) -> timespec {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let s = max(0, min(seconds, 1e9))
        let whole = Int(s)
        var nsec = now.tv_nsec + Int((s - Double(whole)) * 1e9)
        var sec = now.tv_sec + whole
        if nsec >= 1_000_000_000 {
            sec += 1
            nsec -= 1_000_000_000
        }
        return timespec(tv_sec: sec, tv_nsec: nsec)
    }
}
