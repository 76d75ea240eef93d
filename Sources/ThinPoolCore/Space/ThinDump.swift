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
