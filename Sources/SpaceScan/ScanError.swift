import ThinPoolCore

/// Why a scan read no metadata snapshot.
public enum ScanError: Error, CustomStringConvertible {
    case heldByAnother(root: UInt64)
    case noMetadataDevice(String)
    case reserve(String)
    case marker(String)
    case cannotRun(tool: String, String)
    case timedOut(tool: String, seconds: Double)
    case failed(tool: String, stderr: String)
    case output(tool: String, ParseError)

    public var description: String {
        switch self {
        case .heldByAnother(let root): return "a metadata snapshot is held by another tool (root \(root)); not touched"
        case .noMetadataDevice(let d): return "the metadata device \(d) has no device node"
        case .reserve(let e): return "reserve_metadata_snap failed: \(e)"
        case .marker(let e): return "cannot write the snapshot marker: \(e)"
        case .cannotRun(let tool, let why): return "cannot run \(tool): \(why)"
        case .timedOut(let tool, let s):
            return "\(tool) ran past \(s == s.rounded() ? String(Int(s)) : String(s)) s and was ended"
        case .failed(let tool, let stderr): return "\(tool) failed: \(stderr)"
        case .output(let tool, let e): return "\(tool) printed what we cannot read: \(e)"
        }
    }
}
