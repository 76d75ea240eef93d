/// What one read of a pool gave: the pool and its capacity, or why it could not be read.
///
/// A value kept out of line and copied on write (``CopyOnWrite``): handing a reading on --
/// returned, wrapped in an optional, put in an array, sorted -- is a retain, not a copy of the
/// pool's and capacity's hundreds of bytes; reading a field borrows it in place; the first
/// write to a shared reading copies it once. The alert path relies on all three.
public struct PoolReading: Hashable, Sendable {
    @usableFromInline
    struct Fields: Hashable, Sendable {
        @usableFromInline var name: String
        @usableFromInline var pool: ThinPool?
        @usableFromInline var capacity: PoolCapacity?
        @usableFromInline var error: PoolError?
        @usableFromInline var minFreeSpacePercent: UInt64

        @usableFromInline
        init(name: String, pool: ThinPool?, capacity: PoolCapacity?, error: PoolError?, minFreeSpacePercent: UInt64) {
            self.name = name
            self.pool = pool
            self.capacity = capacity
            self.error = error
            self.minFreeSpacePercent = minFreeSpacePercent
        }

        /// In place: the pool is read where it is kept (``ThinPool/writeCapacity(minFreeSpacePercent:into:_:)``).
        mutating func computeCapacity(_ percent: UInt64) {
            minFreeSpacePercent = percent
            pool?.writeCapacity(minFreeSpacePercent: percent, into: &capacity, &error)
        }
    }

    @usableFromInline var fields: CopyOnWrite<Fields>

    @inlinable
    public var name: String {
        _read { yield fields.value.name }
        _modify { yield &fields.value.name }
    }
    /// nil when the pool's lines could not be read or parsed (`error` says why).
    @inlinable
    public var pool: ThinPool? {
        _read { yield fields.value.pool }
        _modify { yield &fields.value.pool }
    }
    /// nil when the pool has no counters (Fail, Error) or could not be read.
    @inlinable
    public var capacity: PoolCapacity? {
        _read { yield fields.value.capacity }
        _modify { yield &fields.value.capacity }
    }
    /// Why the pool, or its capacity, could not be reported.
    @inlinable
    public var error: PoolError? {
        _read { yield fields.value.error }
        _modify { yield &fields.value.error }
    }
    /// The dm.min_free_space percentage applied to this pool.
    @inlinable
    public var minFreeSpacePercent: UInt64 {
        get { fields.value.minFreeSpacePercent }
        set { fields.value.minFreeSpacePercent = newValue }
    }

    public init(
        name: String, pool: ThinPool?, capacity: PoolCapacity?, error: PoolError?,
        minFreeSpacePercent: UInt64
    ) {
        fields = CopyOnWrite(
            Fields(
                name: name, pool: pool, capacity: capacity, error: error, minFreeSpacePercent: minFreeSpacePercent))
    }

    /// A reading of `pool` with its capacity computed.
    public init(pool: ThinPool, minFreeSpacePercent: UInt64) {
        self.init(name: pool.name, pool: pool, capacity: nil, error: nil, minFreeSpacePercent: minFreeSpacePercent)
        computeCapacity(minFreeSpacePercent: minFreeSpacePercent)
    }

    /// Sets the capacity from the pool, or the error saying why it has none, and the
    /// dm.min_free_space applied: what every reading of a pool reports. Writes in place (a
    /// shared reading is copied once first).
    public mutating func computeCapacity(minFreeSpacePercent percent: UInt64) {
        fields.value.computeCapacity(percent)
    }

    /// A pool that could not be read.
    public init(name: String, error: PoolError, minFreeSpacePercent: UInt64) {
        self.init(name: name, pool: nil, capacity: nil, error: error, minFreeSpacePercent: minFreeSpacePercent)
    }
}

extension PoolReading: CustomReflectable {
    /// The fields, not the box they are kept in (test failures and dumps print these).
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "name": name, "pool": pool as Any, "capacity": capacity as Any, "error": error as Any,
                "minFreeSpacePercent": minFreeSpacePercent,
            ])
    }
}
