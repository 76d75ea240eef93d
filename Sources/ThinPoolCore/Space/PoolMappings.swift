/// A run of blocks: [start, start + count).
public struct BlockRange: Hashable, Sendable {
    public var start: UInt64
    public var count: UInt64

    public init(start: UInt64, count: UInt64) {
        self.start = start
        self.count = count
    }

    /// start + count, saturated at the largest block number (input may say anything).
    public var end: UInt64 { start.saturatingAdding(count) }
}

/// What `thin_ls` says about each thin device of a pool's metadata (snapshot): how many data
/// blocks it maps, and of those how many only it maps (deleting it frees them) and how many it
/// shares with snapshots of it or their origins.
public struct ThinUsage: Hashable, Sendable {
    public var deviceId: UInt64
    public var mappedBytes: UInt64
    public var exclusiveBytes: UInt64
    public var sharedBytes: UInt64

    public init(deviceId: UInt64, mappedBytes: UInt64, exclusiveBytes: UInt64, sharedBytes: UInt64) {
        self.deviceId = deviceId
        self.mappedBytes = mappedBytes
        self.exclusiveBytes = exclusiveBytes
        self.sharedBytes = sharedBytes
    }

    /// The columns `thin_ls` is asked for, in order.
    public static let fields = "DEV,MAPPED_BYTES,EXCLUSIVE_BYTES,SHARED_BYTES"

    /// `thin_ls --no-headers -o DEV,MAPPED_BYTES,EXCLUSIVE_BYTES,SHARED_BYTES` output, one
    /// device per line.
    public static func parse(_ text: String) throws(ParseError) -> [ThinUsage] {
        var out: [ThinUsage] = []
        for (i, line) in text.split(separator: "\n").enumerated() {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if words.isEmpty { continue }
            func bad(_ field: String, _ position: Int, _ reason: String) -> ParseError {
                ParseError(
                    line: "thin_ls", field: field, position: position,
                    text: position >= 1 && position <= words.count ? String(words[position - 1]) : String(line),
                    reason: reason, origin: "line \(i + 1)")
            }
            guard words.count == 4 else { throw bad("line", 0, "expected 4 columns (\(fields)), found \(words.count)") }
            var v: [UInt64] = []
            for (k, name) in ["device id", "mapped bytes", "exclusive bytes", "shared bytes"].enumerated() {
                guard let n = UInt64(words[k]) else { throw bad(name, k + 1, "not a number") }
                v.append(n)
            }
            guard v[2] <= v[1], v[3] <= v[1] else { throw bad("exclusive bytes", 3, "larger than the mapped bytes") }
            out.append(ThinUsage(deviceId: v[0], mappedBytes: v[1], exclusiveBytes: v[2], sharedBytes: v[3]))
        }
        return out
    }
}

/// The mappings of thin devices as `thin_dump` writes them (XML): each device's mapped virtual
/// block ranges.
public enum ThinDump {
    /// Mapped block ranges (virtual blocks of the thin device) by device id, sorted and merged.
    /// Only the elements that matter are read: `<device dev_id=..>`, `<range_mapping
    /// origin_begin=.. length=..>` and `<single_mapping origin_block=..>`.
    public static func mappings(_ xml: String) throws(ParseError) -> [UInt64: [BlockRange]] {
        var out: [UInt64: [BlockRange]] = [:]
        var device: UInt64?
        for (i, raw) in xml.split(separator: "\n").enumerated() {
            let line = raw.drop { $0 == " " || $0 == "\t" }
            func number(_ name: String) throws(ParseError) -> UInt64 {
                guard let start = valueStart(line, " \(name)=\""), let close = line[start...].firstIndex(of: "\""),
                    let v = UInt64(line[start..<close])
                else {
                    throw ParseError(
                        line: "thin_dump", field: name, position: 0, text: String(line.prefix(120)),
                        reason: "missing or not a number", origin: "line \(i + 1)")
                }
                return v
            }
            if line.hasPrefix("<device ") {
                let id = try number("dev_id")
                device = id
                out[id, default: []] = []
            } else if line.hasPrefix("</device>") {
                device = nil
            } else if line.hasPrefix("<range_mapping ") || line.hasPrefix("<single_mapping ") {
                guard let d = device else {
                    throw ParseError(
                        line: "thin_dump", field: "mapping", position: 0, text: String(line.prefix(120)),
                        reason: "outside a <device>", origin: "line \(i + 1)")
                }
                let r =
                    line.hasPrefix("<range_mapping ")
                    ? BlockRange(start: try number("origin_begin"), count: try number("length"))
                    : BlockRange(start: try number("origin_block"), count: 1)
                guard !r.start.addingReportingOverflow(r.count).overflow else {
                    throw ParseError(
                        line: "thin_dump", field: "length", position: 0, text: String(line.prefix(120)),
                        reason: "the range ends past the last 64-bit block number", origin: "line \(i + 1)")
                }
                out[d]!.append(r)
            }
        }
        return out.mapValues(merged)
    }

    /// Where the value after `key` (e.g. ` dev_id="`) starts in `line`.
    static func valueStart(_ line: Substring, _ key: String) -> Substring.Index? {
        let k = Array(key.utf8)
        let u = line.utf8
        var i = u.startIndex
        while i != u.endIndex {
            if u[i...].starts(with: k) { return u.index(i, offsetBy: k.count) }
            i = u.index(after: i)
        }
        return nil
    }

    /// Sorted, overlapping and adjacent ranges joined.
    public static func merged(_ ranges: [BlockRange]) -> [BlockRange] {
        var out: [BlockRange] = []
        for r in ranges.sorted(by: { $0.start < $1.start }) where r.count > 0 {
            if let last = out.last, r.start <= last.end {
                out[out.count - 1].count = max(last.end, r.end) - last.start
            } else {
                out.append(r)
            }
        }
        return out
    }
}

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
