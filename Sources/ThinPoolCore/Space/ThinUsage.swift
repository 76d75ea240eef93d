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
