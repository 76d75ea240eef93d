/// Virtual size promised against the pool's physical data space.
public struct Overcommit: Hashable, Sendable {
    public var activeVirtualBytes: UInt64
    public var inactiveVirtualBytes: UInt64
    public var dataBytes: UInt64
    /// (active + inactive virtual) / data size: above 1, the pool promised more than it has.
    public var ratio: Double
    public var largestVolume: String?
    public var largestVolumeBytes: UInt64
    /// Thin volumes whose unmapped size alone is at least the free data space.
    public var volumesAbleToFill: Int
}
