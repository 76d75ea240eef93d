/// Trims the filesystems on a pool's mounted thin volumes (FITRIM): the cheapest remedy,
/// which autoextend tries before growing a pool.
public protocol PoolTrimmer: Sendable {
    /// What trims of the pool's mounted volumes would free in it now: from a scan of the
    /// pool made for this call unless one finished moments ago (data deleted since the last
    /// periodic scan counts); nil when no scan can say.
    func reclaimable(pool: String) -> UInt64?
    /// Trims them now, each at most once per `interval` seconds, discarding free extents of
    /// at least `minimum` bytes (the pool's block size: a smaller discard frees nothing).
    func trim(pool: String, minimum: UInt64, interval: Double) -> TrimResult
}

/// What a trim did.
public struct TrimResult: Sendable, Equatable {
    /// The volumes trimmed (their device names).
    public var trimmed: [String]
    /// The volumes not trimmed, with why (trimmed too recently, FITRIM failed...).
    public var skipped: [String: String]

    public init(trimmed: [String] = [], skipped: [String: String] = [:]) {
        self.trimmed = trimmed
        self.skipped = skipped
    }
}
