/// An LVM logical volume named by its device-mapper name: LVM joins VG and LV with '-' and
/// doubles the dashes inside each name; layers add a suffix ("docker-thinpool-tpool" is the
/// thin-pool target of LV thinpool in VG docker).
public struct LVMName: Hashable, Sendable, CustomStringConvertible {
    public var vg: String
    public var lv: String
    /// "tpool", "tdata", "tmeta"... or nil for the LV itself.
    public var layer: String?

    public init(vg: String, lv: String, layer: String? = nil) {
        self.vg = vg
        self.lv = lv
        self.layer = layer
    }

    /// Parses a dm name; nil when it is not VG-LV[-layer] in LVM's escaping.
    public init?(dmName: String) {
        var parts: [String] = [""]
        let chars = Array(dmName)
        var i = 0
        while i < chars.count {
            if chars[i] == "-" {
                if i + 1 < chars.count, chars[i + 1] == "-" {
                    parts[parts.count - 1].append("-")
                    i += 2
                    continue
                }
                parts.append("")
            } else {
                parts[parts.count - 1].append(chars[i])
            }
            i += 1
        }
        guard (2...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        self.init(vg: parts[0], lv: parts[1], layer: parts.count == 3 ? parts[2] : nil)
    }

    public var description: String { "\(vg)/\(lv)" }
}
