import DeviceMapper

/// Why one pool could not be reported. One pool's error never stops the others.
public enum PoolError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A table or status line did not parse.
    case parse(ParseError)
    /// A device-mapper call failed for this pool.
    case device(DeviceMapperError)
    /// The device's lines are well-formed but do not make a pool (e.g. two targets).
    case invalid(String)
    /// The numbers do not fit the units (e.g. bytes beyond 64 bits).
    case capacity(CapacityError)

    public var description: String {
        switch self {
        case .parse(let e): return e.description
        case .device(let e): return e.description
        case .invalid(let s): return s
        case .capacity(let e): return e.description
        }
    }
}
