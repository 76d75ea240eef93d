/// What backs a pool's data or metadata, as an executor sees it.
public struct BackingRoom: Sendable, Equatable {
    /// What an extension would use: free bytes of the filesystem holding the loop file, free
    /// bytes of the volume group, or how much the device grew beyond the pool. nil: unknown.
    public var available: UInt64?
    /// Sizes are rounded up to a multiple of this (data block size, LVM extent size).
    public var granularity: UInt64
    /// For messages: "loop file /var/lib/docker/... on a filesystem with 2 GB free".
    public var description: String

    public init(available: UInt64?, granularity: UInt64, description: String) {
        self.available = available
        self.granularity = max(1, granularity)
        self.description = description
    }
}
