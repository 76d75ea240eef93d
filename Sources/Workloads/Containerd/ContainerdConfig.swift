import Foundation

/// What this tool needs from containerd's config.toml: the devmapper snapshotter's pool.
///
///     version = 2                                            # containerd 1.x
///     [plugins."io.containerd.snapshotter.v1.devmapper"]     # 2.x: [plugins.'io.containerd.snapshotter.v1.devmapper']
///       pool_name = "containerd-pool"
///       root_path = "/var/lib/containerd/devmapper"
///
/// The snapshotter names each snapshot's thin device `<pool_name>-snap-<id>`.
public struct ContainerdDevmapperConfig: Sendable, Equatable {
    public var poolName: String
    /// The snapshotter's root_path; nil: <root>/io.containerd.snapshotter.v1.devmapper.
    public var rootPath: String?
    /// containerd's own top-level `root`; nil: /var/lib/containerd.
    public var root: String?

    public init(poolName: String, rootPath: String? = nil, root: String? = nil) {
        self.poolName = poolName
        self.rootPath = rootPath
        self.root = root
    }

    /// The plugin's table names, as containerd's config versions spell them.
    static let sections: Set<[String]> = [["plugins", "io.containerd.snapshotter.v1.devmapper"], ["plugins", "devmapper"]]

    /// Reads the devmapper section of a config.toml. nil when there is none or its pool_name is
    /// empty (containerd then skips the plugin). Only the TOML this needs is understood: table
    /// headers, and `key = "string"` / `key = 'string'` lines; anything else is passed over.
    public static func parse(_ text: String) -> ContainerdDevmapperConfig? {
        var inSection = false
        var topLevel = true
        var pool: String?
        var rootPath: String?
        var containerdRoot: String?
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") {
                inSection = !line.hasPrefix("[[") && header(line).map { sections.contains($0) } == true
                topLevel = false
                continue
            }
            guard inSection || topLevel, let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            let value = stringValue(line[line.index(after: eq)...])
            switch (topLevel, key) {
            case (false, "pool_name"): pool = value
            case (false, "root_path"): rootPath = value
            case (true, "root"): containerdRoot = value
            default: break
            }
        }
        guard let pool, !pool.isEmpty else { return nil }
        return ContainerdDevmapperConfig(poolName: pool, rootPath: rootPath.flatMap { $0.isEmpty ? nil : $0 }, root: containerdRoot)
    }

    /// `[a."b.c".d]` -> ["a", "b.c", "d"]; nil when malformed.
    static func header(_ line: String) -> [String]? {
        guard let close = line.lastIndex(of: "]") else { return nil }
        let inner = line[line.index(after: line.startIndex)..<close]
        var parts: [String] = []
        var current = ""
        var quote: Character?
        for c in inner {
            if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "." {
                parts.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(c)
            }
        }
        guard quote == nil else { return nil }
        parts.append(current.trimmingCharacters(in: .whitespaces))
        return parts
    }

    /// The string of `= "value"  # comment`; nil when the value is not a quoted string.
    static func stringValue(_ text: Substring) -> String? {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard let q = t.first, q == "\"" || q == "'" else { return nil }
        var out = ""
        var escaped = false
        for c in t.dropFirst() {
            if escaped {
                switch c {
                case "n": out.append("\n")
                case "t": out.append("\t")
                default: out.append(c)
                }
                escaped = false
            } else if c == "\\" && q == "\"" {
                escaped = true
            } else if c == q {
                return out
            } else {
                out.append(c)
            }
        }
        return nil
    }

    /// The snapshot id of a thin device named `<pool_name>-snap-<id>`, or nil.
    public func snapshotID(deviceName: String) -> String? {
        let prefix = poolName + "-snap-"
        guard deviceName.hasPrefix(prefix) else { return nil }
        let id = deviceName.dropFirst(prefix.count)
        return id.isEmpty ? nil : String(id)
    }
}
