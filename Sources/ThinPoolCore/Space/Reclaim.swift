/// What a trim (FITRIM, fstrim) of a filesystem on a thin volume gives back to the pool: the
/// mapped pool blocks that lie wholly inside the filesystem's free extents. A discard frees a
/// pool block only when it covers all of it, so a free extent's partial blocks at either end
/// free nothing.
public enum Reclaim {
    /// - Parameters:
    ///   - freeExtents: the filesystem's free space as (device byte offset, length).
    ///   - mapped: the thin device's mapped blocks (its virtual blocks), sorted and merged.
    ///   - blockSize: the pool's data block size in bytes.
    /// - Returns: bytes a trim would free in the pool.
    public static func reclaimable(freeExtents: [(offset: UInt64, length: UInt64)], mapped: [BlockRange], blockSize: UInt64)
        -> UInt64
    {
        guard blockSize > 0 else { return 0 }
        // Each free extent as the whole blocks inside it. Not merged with its neighbours: the
        // filesystem discards each extent on its own (ext4 per block group), and a block that
        // two discards cover half each is not freed.
        // Saturating: the extents come from the kernel, but nothing here may trap on them.
        let free = freeExtents.compactMap { e -> BlockRange? in
            let first = e.offset / blockSize + (e.offset % blockSize == 0 ? 0 : 1)
            let end = e.offset.saturatingAdding(e.length) / blockSize
            return end > first ? BlockRange(start: first, count: end - first) : nil
        }.sorted { $0.start < $1.start }
        var total: UInt64 = 0
        var i = 0
        var j = 0
        while i < free.count, j < mapped.count {
            let lo = max(free[i].start, mapped[j].start)
            let hi = min(free[i].end, mapped[j].end)
            if hi > lo { total = total.saturatingAdding(hi - lo) }
            if free[i].end < mapped[j].end { i += 1 } else { j += 1 }
        }
        return total.saturatingMultiplying(by: blockSize)
    }
}
