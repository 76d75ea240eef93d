import Foundation
import Yams

/// A YAML node with its path in the file, and typed accessors that record a problem instead of
/// throwing, so validation goes on and reports everything at once.
public struct ConfigNode {
    public let node: Node
    public let path: String

    public init(_ node: Node, path: String) {
        self.node = node
        self.path = path
    }

    /// Parses `text`; a syntax error is recorded and yields nil. An empty document is an empty
    /// mapping.
    public static func parse(_ text: String, problems: inout ConfigProblems) -> ConfigNode? {
        do {
            guard let node = try Yams.compose(yaml: text) else { return ConfigNode(Node.mapping(Node.Mapping([])), path: "") }
            return ConfigNode(node, path: "")
        } catch let e as YamlError {
            problems.add("", line: e.line, "not valid YAML: \(e.shortDescription)")
        } catch {
            problems.add("", line: nil, "not valid YAML: \(error)")
        }
        return nil
    }

    public var line: Int? { node.mark.map { $0.line } }

    func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The members of a mapping (problem and empty if it is not one), checking that every key
    /// is among `allowed`.
    public func mapping(allowed: Set<String>? = nil, _ problems: inout ConfigProblems) -> [String: ConfigNode] {
        guard case .mapping(let m) = node else {
            if case .scalar(let s) = node, s.string.isEmpty || s.string == "~" || s.string == "null" { return [:] }
            problems.add(path, line: line, "must be a mapping (key: value)")
            return [:]
        }
        var result: [String: ConfigNode] = [:]
        for (k, v) in m {
            guard case .scalar(let key) = k else {
                problems.add(path, line: k.mark?.line, "keys must be strings")
                continue
            }
            if let allowed, !allowed.contains(key.string) {
                problems.add(
                    child(key.string), line: k.mark?.line,
                    "unknown setting (expected one of \(allowed.sorted().joined(separator: ", ")))")
                continue
            }
            if result[key.string] != nil {
                problems.add(child(key.string), line: k.mark?.line, "given twice")
            }
            result[key.string] = ConfigNode(v, path: child(key.string))
        }
        return result
    }

    /// The elements of a sequence.
    public func sequence(_ problems: inout ConfigProblems) -> [ConfigNode] {
        guard case .sequence(let s) = node else {
            problems.add(path, line: line, "must be a list")
            return []
        }
        return s.enumerated().map { ConfigNode($0.element, path: "\(path)[\($0.offset)]") }
    }

    public func string(_ problems: inout ConfigProblems) -> String? {
        guard case .scalar(let s) = node else {
            problems.add(path, line: line, "must be a string")
            return nil
        }
        return s.string
    }

    public func bool(_ problems: inout ConfigProblems) -> Bool? {
        guard case .scalar(let s) = node else {
            problems.add(path, line: line, "must be true or false")
            return nil
        }
        switch s.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            problems.add(path, line: line, "must be true or false, not \"\(s.string)\"")
            return nil
        }
    }

    public func number(_ problems: inout ConfigProblems, in range: ClosedRange<Double>? = nil) -> Double? {
        guard case .scalar(let s) = node, let v = Double(s.string.replacingOccurrences(of: "_", with: "")), v.isFinite else {
            problems.add(path, line: line, "must be a number")
            return nil
        }
        if let range, !range.contains(v) {
            problems.add(path, line: line, "must be between \(range.lowerBound.clean) and \(range.upperBound.clean), not \(s.string)")
            return nil
        }
        return v
    }
}

extension Double {
    var clean: String { self == rounded() && abs(self) < 1e15 ? String(Int64(self)) : "\(self)" }
}

extension YamlError {
    var line: Int? {
        switch self {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        case .duplicatedKeysInMapping(_, let context):
            return context.mark.line
        default: return nil
        }
    }

    var shortDescription: String {
        switch self {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _):
            return problem
        case .duplicatedKeysInMapping(let keys, _):
            // Yams refuses the whole document; its own text repeats the document.
            let names = keys.sorted().map { "'\($0)'" }.joined(separator: ", ")
            return "\(keys.count == 1 ? "key" : "keys") \(names) given twice in the mapping that starts here"
        default: return "\(self)"
        }
    }
}

/// A file path from a config file: relative paths are relative to the config file's folder.
public func resolvePath(_ path: String, relativeTo configFile: String) -> String {
    if path.hasPrefix("/") { return path }
    let dir = (configFile as NSString).deletingLastPathComponent
    return dir.isEmpty ? path : (dir as NSString).appendingPathComponent(path)
}

extension ConfigNode {
    /// A duration in Prometheus' style: `500ms`, `10s`, `5m`, `1h30m`, `2d`.
    public func duration(_ problems: inout ConfigProblems, atLeast minimum: Duration? = nil) -> Duration? {
        guard let s = string(&problems) else { return nil }
        guard let d = parseDuration(s) else {
            problems.add(path, line: line, "\"\(s)\" is not a duration (e.g. 500ms, 10s, 5m, 1h30m)")
            return nil
        }
        if let minimum, d < minimum {
            problems.add(path, line: line, "must be at least \(formatDuration(minimum)), not \(s)")
            return nil
        }
        return d
    }

    /// A fraction from `80%` or `0.8`, within `range` (fractions).
    public func fraction(_ problems: inout ConfigProblems, in range: ClosedRange<Double> = 0...1) -> Double? {
        guard let s = string(&problems) else { return nil }
        let trimmed = s.trimmingCharacters(in: .whitespaces)
        let value: Double?
        if trimmed.hasSuffix("%") {
            value = Double(trimmed.dropLast().trimmingCharacters(in: .whitespaces)).map { $0 / 100 }
        } else {
            value = Double(trimmed)
        }
        guard let value, value.isFinite else {
            problems.add(path, line: line, "\"\(s)\" is not a percentage (e.g. 80% or 0.8)")
            return nil
        }
        guard range.contains(value) else {
            problems.add(
                path, line: line, "must be between \(percentText(range.lowerBound)) and \(percentText(range.upperBound)), not \(s)")
            return nil
        }
        return value
    }

    /// A list of strings (a single string is a list of one).
    public func strings(_ problems: inout ConfigProblems) -> [String] {
        if case .scalar = node { return string(&problems).map { [$0] } ?? [] }
        return sequence(&problems).compactMap { $0.string(&problems) }
    }
}

/// `500ms`, `10s`, `5m`, `1h30m`, `2d`, `1w`; nil when not one.
public func parseDuration(_ text: String) -> Duration? {
    var rest = Substring(text.trimmingCharacters(in: .whitespaces))
    guard !rest.isEmpty else { return nil }
    var total: Double = 0
    let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400), ("w", 604800)]
    while !rest.isEmpty {
        let digits = rest.prefix { $0.isNumber || $0 == "." }
        guard !digits.isEmpty, let n = Double(digits) else { return nil }
        rest = rest.dropFirst(digits.count)
        guard let unit = units.first(where: { rest.hasPrefix($0.0) && !(($0.0 == "m") && rest.hasPrefix("ms")) }) else { return nil }
        rest = rest.dropFirst(unit.0.count)
        total += n * unit.1
    }
    guard total.isFinite, total < 1e12 else { return nil }
    return .milliseconds(Int64((total * 1000).rounded()))
}

/// `90s` -> "1m30s"; whole units only down to milliseconds.
public func formatDuration(_ d: Duration) -> String {
    var ms = Int64(d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000)
    if ms == 0 { return "0s" }
    var out = ""
    for (name, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)] where ms >= size {
        out += "\(ms / size)\(name)"
        ms %= size
    }
    return out
}

func percentText(_ f: Double) -> String {
    let p = f * 100
    return p == p.rounded() ? "\(Int(p))%" : "\(p)%"
}

extension ConfigNode {
    /// A size in bytes: `1073741824`, `512MiB`, `10GiB`, `1.5TB` (KB/MB/GB/TB are powers of 1000,
    /// KiB/MiB/GiB/TiB of 1024).
    public func size(_ problems: inout ConfigProblems) -> UInt64? {
        guard let s = string(&problems) else { return nil }
        guard let v = parseSize(s) else {
            problems.add(path, line: line, "\"\(s)\" is not a size (e.g. 512MiB, 10GiB, 1TB, or bytes)")
            return nil
        }
        return v
    }
}

/// Bytes from `1073741824`, `512MiB`, `10GiB`, `1.5TB`; nil when not a size.
public func parseSize(_ text: String) -> UInt64? {
    let t = text.trimmingCharacters(in: .whitespaces)
    let units: [(String, Double)] = [
        ("KiB", 1024), ("MiB", 1_048_576), ("GiB", 1_073_741_824), ("TiB", 1_099_511_627_776), ("PiB", 1_125_899_906_842_624),
        ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12), ("PB", 1e15), ("B", 1),
    ]
    var number = Substring(t)
    var factor = 1.0
    if let u = units.first(where: { t.hasSuffix($0.0) }) {
        number = t.dropLast(u.0.count)
        factor = u.1
    }
    guard let n = Double(number.trimmingCharacters(in: .whitespaces)), n >= 0, (n * factor).isFinite, n * factor < 1.8e19 else {
        return nil
    }
    return UInt64((n * factor).rounded())
}
