import Foundation
import ThinPoolCore

/// What this tool needs from dockerd's configuration file (/etc/docker/daemon.json): where
/// docker keeps its data and the devicemapper options that change what `docker info` shows.
public struct DockerDaemonConfig: Sendable, Equatable {
    /// "data-root" (or the legacy "graph"); nil when the file does not say.
    public var dataRoot: String?
    /// "storage-driver"; nil when the file does not say.
    public var storageDriver: String?
    /// dm.min_free_space, in percent.
    public var minFreeSpacePercent: UInt64?
    /// dm.thinpooldev, without /dev/mapper/.
    public var thinPoolDevice: String?
    /// dm.basesize in bytes.
    public var baseSize: UInt64?
    /// dm.use_deferred_removal and dm.use_deferred_deletion; nil: docker's default.
    public var deferredRemoval: Bool?
    public var deferredDeletion: Bool?
    /// dm.datadev and dm.metadatadev (deprecated: docker's pool on two block devices).
    public var dataDevice: String?
    public var metadataDevice: String?
    /// "hosts": where dockerd listens (unix:///path, tcp://..., fd://); empty: the default.
    public var hosts: [String] = []
    /// What in the file could not be used, each naming the key and the value.
    public var problems: [String] = []

    /// The Unix socket of docker's API: the first unix:// of `hosts`, else dockerd's default
    /// (also for fd://, systemd's socket activation of docker.socket); nil when `hosts` names
    /// only other kinds (tcp://), which this tool does not ask.
    public var apiSocket: String? {
        guard !hosts.isEmpty else { return DockerAPI.defaultSocket }
        for h in hosts {
            if h.hasPrefix("unix://") { return h.dropFirst(7).isEmpty ? DockerAPI.defaultSocket : String(h.dropFirst(7)) }
            if h.hasPrefix("fd://") { return DockerAPI.defaultSocket }
        }
        return nil
    }

    public init(
        dataRoot: String? = nil, storageDriver: String? = nil, minFreeSpacePercent: UInt64? = nil,
        thinPoolDevice: String? = nil, baseSize: UInt64? = nil
    ) {
        self.dataRoot = dataRoot
        self.storageDriver = storageDriver
        self.minFreeSpacePercent = minFreeSpacePercent
        self.thinPoolDevice = thinPoolDevice
        self.baseSize = baseSize
    }

    /// Parses daemon.json. A file that is not a JSON object is one problem; a bad value is one
    /// problem each and is ignored (dockerd itself would refuse to start with it).
    public static func parse(_ data: Data) -> DockerDaemonConfig {
        var c = DockerDaemonConfig()
        guard let object = try? JSONSerialization.jsonObject(with: data), let root = object as? [String: Any] else {
            c.problems.append("not a JSON object")
            return c
        }
        func string(_ key: String) -> String? {
            guard let v = root[key] else { return nil }
            guard let s = v as? String else {
                c.problems.append("\"\(key)\" is not a string")
                return nil
            }
            return s
        }
        c.dataRoot = string("data-root") ?? string("graph")
        c.storageDriver = string("storage-driver")
        if let h = root["hosts"] {
            if let list = h as? [String] { c.hosts = list } else { c.problems.append("\"hosts\" is not a list of strings") }
        }
        guard let opts = root["storage-opts"] else { return c }
        guard let list = opts as? [Any] else {
            c.problems.append("\"storage-opts\" is not a list of strings")
            return c
        }
        for item in list {
            guard let opt = item as? String else {
                c.problems.append("\"storage-opts\" holds a value that is not a string")
                continue
            }
            c.apply(storageOpt: opt)
        }
        return c
    }

    /// One `--storage-opt` as dockerd reads it: key=value, the key case-insensitive.
    mutating func apply(storageOpt opt: String) {
        guard let eq = opt.firstIndex(of: "=") else {
            problems.append("storage-opts \"\(opt)\" is not key=value")
            return
        }
        let key = opt[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
        let value = String(opt[opt.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
        switch key {
        case "dm.min_free_space":
            // dockerd requires the % suffix and a value below 100.
            guard value.hasSuffix("%"), let n = UInt64(value.dropLast()), n < 100 else {
                problems.append("dm.min_free_space \"\(value)\" is not a percentage like 10% below 100% (dockerd would not start)")
                return
            }
            minFreeSpacePercent = n
        case "dm.thinpooldev":
            let name = value.hasPrefix("/dev/mapper/") ? String(value.dropFirst("/dev/mapper/".count)) : value
            if name.isEmpty || name.contains("/") {
                problems.append("dm.thinpooldev \"\(value)\" is not a device-mapper device name or /dev/mapper path")
            } else {
                thinPoolDevice = name
            }
        case "dm.basesize":
            if let b = DockerUnits.parseRAMInBytes(value) {
                baseSize = b
            } else {
                problems.append("dm.basesize \"\(value)\" is not a size")
            }
        case "dm.use_deferred_removal", "dm.use_deferred_deletion":
            guard let b = Self.parseBool(value) else {
                problems.append("\(key) \"\(value)\" is not true or false (dockerd would not start)")
                return
            }
            if key == "dm.use_deferred_removal" { deferredRemoval = b } else { deferredDeletion = b }
        case "dm.datadev":
            dataDevice = value
        case "dm.metadatadev":
            metadataDevice = value
        default:
            break
        }
    }
}

extension DockerDaemonConfig {
    /// Go's strconv.ParseBool, as dockerd parses boolean storage options.
    static func parseBool(_ s: String) -> Bool? {
        switch s {
        case "1", "t", "T", "TRUE", "true", "True": return true
        case "0", "f", "F", "FALSE", "false", "False": return false
        default: return nil
        }
    }
}
