/// Why one pool could not be reported. One pool's error never stops the others.
public enum PoolError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A table or status line did not parse.
    case parse(ParseError)
    /// A device-mapper call failed for this pool.
    case device(DeviceMapperError)
    /// The device's table has a thin-pool target among others: it must be the only one.
    case notTheOnlyTarget(device: String, targets: Int)
    /// The table says thin-pool, the status another target type (or nothing): the device was
    /// reloaded between the two reads, or the kernel disagrees with itself.
    case statusMismatch(device: String, statusTypes: [String])
    /// Read again by name, the device is no longer a thin pool (reloaded as another target).
    case notAPool(device: String, tableTypes: [String])
    /// The numbers do not fit the units (e.g. bytes beyond 64 bits).
    case capacity(CapacityError)

    public var description: String {
        switch self {
        case .parse(let e): return e.description
        case .device(let e): return e.description
        case .notTheOnlyTarget(let d, let n): return "device \(d) has \(n) targets; a thin-pool target must be the only one"
        case .statusMismatch(let d, let types):
            return "device \(d) has a thin-pool table but "
                + (types.isEmpty ? "no status line" : "its status is \(types.joined(separator: ", ")), not thin-pool")
        case .notAPool(let d, let types):
            return "device \(d) is no longer a thin pool: its table is " + (types.isEmpty ? "empty" : types.joined(separator: ", "))
        case .capacity(let e): return e.description
        }
    }
}
