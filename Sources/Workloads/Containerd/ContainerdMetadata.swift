import Foundation
import ThinPoolCore

/// What containerd knows of the snapshots of its devmapper snapshotter, read from the bbolt
/// files it keeps (read-only; containerd holds them open and may write while we read):
///
///     <root_path>/metadata.db     the snapshotter's snapshots: v1/snapshots/<ns>/<n>/<key> ->
///                                 id (uvarint), kind (1 byte: view 1, active 2, committed 3),
///                                 parent (the parent's <ns>/<n>/<key>)
///     <root_path>/<pool_name>.db  the thin devices: devices/<pool>-snap-<id> -> JSON
///                                 {device_id, size, name, parent_name, state}
///     <containerd root>/io.containerd.metadata.v1.bolt/meta.db
///                                 v1/<ns>/containers/<id> -> snapshotter, snapshotKey, image;
///                                 v1/<ns>/images/<name>/target -> digest; content labels
///                                 containerd.io/gc.ref.content.* and
///                                 containerd.io/gc.ref.snapshot.devmapper (an image's top layer)
///
/// Why the files and not containerd's API: the API is gRPC over HTTP/2 on its socket (a large
/// dependency for three lookups), answers only while containerd runs, and the snapshotter's
/// device table (sizes, what is active) is not in it at all. The files say everything `ctr
/// snapshots ls` says, and more.
public struct ContainerdSnapshot: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case view, active, committed
    }

    /// The snapshotter's id: its thin device is `<pool_name>-snap-<id>`.
    public var id: String
    /// containerd's key, as `ctr snapshots ls` shows it (an image layer's is its chain id).
    public var key: String
    public var namespace: String
    public var kind: Kind
    /// The parent's key (same namespace), when it has one.
    public var parent: String?
    /// The thin device's virtual size and its state in the snapshotter's device table
    /// ("Activated", "Deactivated", ...), when known.
    public var size: UInt64?
    public var deviceState: String?
    /// The container whose root filesystem this is, and its image.
    public var container: String?
    /// The image this snapshot is a layer of (or, for a container's, its image).
    public var image: String?
    /// In the snapshotter's metadata but no longer in containerd's: removed (`ctr snapshots rm`,
    /// a container removed, garbage collected), its device not yet cleaned up. `ctr snapshots
    /// ls` does not list it.
    public var removed: Bool
    /// The snapshotter's own keys for it and its parent: `<ns>/<n>/<key>`.
    var backendKey = ""
    var parentBackendKey: String?

    public init(
        id: String, key: String, namespace: String, kind: Kind, parent: String? = nil, size: UInt64? = nil,
        deviceState: String? = nil, container: String? = nil, image: String? = nil, removed: Bool = false
    ) {
        self.removed = removed
        self.id = id
        self.key = key
        self.namespace = namespace
        self.kind = kind
        self.parent = parent
        self.size = size
        self.deviceState = deviceState
        self.container = container
        self.image = image
    }
}

/// Everything read from containerd's files at one moment.
public struct ContainerdInventory: Sendable, Equatable {
    public var config: ContainerdDevmapperConfig
    /// By snapshot id.
    public var snapshots: [String: ContainerdSnapshot]
    /// What could not be read, each naming the file.
    public var problems: [String]

    public init(config: ContainerdDevmapperConfig, snapshots: [String: ContainerdSnapshot] = [:], problems: [String] = []) {
        self.config = config
        self.snapshots = snapshots
        self.problems = problems
    }
}

public enum ContainerdMetadata {
    /// containerd's root when config.toml does not set `root`.
    public static let defaultRoot = "/var/lib/containerd"

    /// Reads the three files. A missing file leaves out what it holds; a damaged one is a
    /// problem naming it. `read` returns a file's bytes (nil when it does not exist).
    public static func inventory(
        _ config: ContainerdDevmapperConfig,
        read: (String) throws -> [UInt8]?
    ) -> ContainerdInventory {
        var inv = ContainerdInventory(config: config)
        let files = paths(config)
        func open(_ path: String) -> BoltDB? {
            do {
                guard let bytes = try read(path) else { return nil }
                return try BoltDB(bytes: bytes)
            } catch {
                inv.problems.append("\(path): \(error)")
                return nil
            }
        }
        if let db = open(files[0]) {
            do { inv.snapshots = try snapshots(db) } catch { inv.problems.append("\(files[0]): \(error)") }
        }
        if let db = open(files[1]) {
            do {
                for (name, device) in try devices(db) {
                    guard let id = config.snapshotID(deviceName: name), inv.snapshots[id] != nil else { continue }
                    inv.snapshots[id]?.size = device.size
                    inv.snapshots[id]?.deviceState = device.state
                }
            } catch { inv.problems.append("\(files[1]): \(error)") }
        }
        if let db = open(files[2]) {
            do { try attribute(&inv.snapshots, db) } catch { inv.problems.append("\(files[2]): \(error)") }
        }
        return inv
    }

    /// The snapshotter's metadata.db, its device table <pool_name>.db, and containerd's meta.db.
    public static func paths(_ config: ContainerdDevmapperConfig) -> [String] {
        let root = config.root ?? defaultRoot
        let rootPath = config.rootPath ?? root + "/io.containerd.snapshotter.v1.devmapper"
        return [rootPath + "/metadata.db", rootPath + "/" + config.poolName + ".db", root + "/io.containerd.metadata.v1.bolt/meta.db"]
    }

    /// The snapshotter's metadata.db: v1/snapshots/<backend key>.
    static func snapshots(_ db: BoltDB) throws(BoltError) -> [String: ContainerdSnapshot] {
        guard let bucket = try db.root.bucket(path: ["v1", "snapshots"]) else { return [:] }
        var byKey: [String: (id: String, kind: ContainerdSnapshot.Kind, parent: String?)] = [:]
        for (rawKey, entry) in try bucket.entries() {
            guard case .bucket(let b) = entry, let key = String(validating: rawKey, as: UTF8.self),
                let idBytes = try b.value("id"), let id = uvarint(idBytes)
            else { continue }
            let kind: ContainerdSnapshot.Kind
            switch try b.value("kind")?.first {
            case 1: kind = .view
            case 2: kind = .active
            case 3: kind = .committed
            default: continue
            }
            byKey[key] = (String(id), kind, try b.string("parent"))
        }
        var out: [String: ContainerdSnapshot] = [:]
        for (backendKey, s) in byKey {
            let (ns, key) = splitBackendKey(backendKey)
            var snap = ContainerdSnapshot(id: s.id, key: key, namespace: ns, kind: s.kind, parent: s.parent.map { splitBackendKey($0).key })
            snap.backendKey = backendKey
            snap.parentBackendKey = s.parent
            out[s.id] = snap
        }
        return out
    }

    /// The metadata layer names a snapshot `<namespace>/<n>/<key>` in the snapshotter; a key
    /// may itself hold slashes.
    static func splitBackendKey(_ k: String) -> (namespace: String, key: String) {
        let parts = k.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, UInt64(parts[1]) != nil else { return ("", k) }
        return (String(parts[0]), String(parts[2]))
    }

    struct Device: Decodable {
        var size: UInt64?
        var state: String?
        private enum CodingKeys: String, CodingKey { case size, state }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            size = try? c.decode(UInt64.self, forKey: .size)
            state = (try? c.decode(Int.self, forKey: .state)).map(Self.stateName)
        }

        /// containerd's DeviceState, by its number.
        static func stateName(_ n: Int) -> String {
            let names = [
                "Unknown", "Creating", "Created", "Activating", "Activated", "Suspending", "Suspended", "Resuming",
                "Resumed", "Deactivating", "Deactivated", "Removing", "Removed", "Faulty",
            ]
            return names.indices.contains(n) ? names[n] : "unknown \(n)"
        }
    }

    /// The snapshotter's device table: devices/<name> -> JSON.
    static func devices(_ db: BoltDB) throws(BoltError) -> [String: Device] {
        guard let bucket = try db.root.bucket("devices") else { return [:] }
        var out: [String: Device] = [:]
        for (rawKey, entry) in try bucket.entries() {
            guard case .value(let v) = entry, let name = String(validating: rawKey, as: UTF8.self),
                let d = try? JSONDecoder().decode(Device.self, from: Data(v))
            else { continue }
            out[name] = d
        }
        return out
    }

    /// What containerd's own metadata says: which snapshots exist (what `ctr snapshots ls`
    /// lists: v1/<ns>/snapshots/devmapper/<key>, whose "name" is the snapshotter's key; the
    /// snapshotter's other entries were removed and await its cleanup), the container behind
    /// each (by snapshot key) and the image (by its top layer's chain, down its parents).
    static func attribute(_ snapshots: inout [String: ContainerdSnapshot], _ db: BoltDB) throws(BoltError) {
        guard let v1 = try db.root.bucket("v1") else { return }
        var byKey: [String: String] = [:]  // "ns\0key" -> id
        var referenced: Set<String> = []
        var idByBackendKey: [String: String] = [:]
        for (id, s) in snapshots { idByBackendKey[s.backendKey] = id }
        for (rawNS, entry) in try v1.entries() {
            guard case .bucket(let nsBucket) = entry, let ns = String(validating: rawNS, as: UTF8.self) else { continue }
            guard let refs = try nsBucket.bucket(path: ["snapshots", "devmapper"]) else { continue }
            for (rawKey, r) in try refs.entries() {
                guard case .bucket(let rb) = r, let key = String(validating: rawKey, as: UTF8.self),
                    let backend = try rb.string("name")
                else { continue }
                guard let id = idByBackendKey[backend] else { continue }
                snapshots[id]?.key = key
                snapshots[id]?.namespace = ns
                byKey[ns + "\u{0}" + key] = id
                referenced.insert(id)
            }
        }
        for id in snapshots.keys where !referenced.contains(id) { snapshots[id]?.removed = true }
        // Parents by containerd's key (the snapshotter's parent key carries its own numbering).
        for (id, snap) in snapshots {
            if let parent = snap.parentBackendKey, let pid = idByBackendKey[parent] {
                let key = snapshots[pid]?.key
                snapshots[id]?.parent = key
            }
        }
        for (rawNS, entry) in try v1.entries() {
            guard case .bucket(let nsBucket) = entry, let ns = String(validating: rawNS, as: UTF8.self) else { continue }
            if let containers = try nsBucket.bucket("containers") {
                for (rawID, c) in try containers.entries() {
                    guard case .bucket(let cb) = c, let cid = String(validating: rawID, as: UTF8.self),
                        try cb.string("snapshotter") == "devmapper", let key = try cb.string("snapshotKey"),
                        let id = byKey[ns + "\u{0}" + key]
                    else { continue }
                    snapshots[id]?.container = cid
                    snapshots[id]?.image = try cb.string("image")
                }
            }
            guard let images = try nsBucket.bucket("images") else { continue }
            let blobs = try nsBucket.bucket(path: ["content", "blob"])
            func labels(_ digest: String) throws(BoltError) -> [String: String] {
                guard let l = try blobs?.bucket(path: [digest, "labels"]) else { return [:] }
                var out: [String: String] = [:]
                for (k, e) in try l.entries() {
                    if case .value(let v) = e, let key = String(validating: k, as: UTF8.self),
                        let value = String(validating: v, as: UTF8.self)
                    {
                        out[key] = value
                    }
                }
                return out
            }
            for (rawName, e) in try images.entries().sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
                guard case .bucket(let ib) = e, let name = String(validating: rawName, as: UTF8.self),
                    let target = try ib.bucket("target")?.string("digest")
                else { continue }
                // index -> manifests -> config: the config's label names the top layer.
                var pending = [target]
                var tops: [String] = []
                var seen: Set<String> = []
                while let d = pending.popLast(), seen.insert(d).inserted, seen.count < 64 {
                    let l = try labels(d)
                    if let top = l["containerd.io/gc.ref.snapshot.devmapper"] { tops.append(top) }
                    for (k, v) in l where k == "containerd.io/gc.ref.content.config" || k.hasPrefix("containerd.io/gc.ref.content.m.") {
                        pending.append(v)
                    }
                }
                for top in tops {
                    var key: String? = top
                    var hops = 0
                    while let k = key, let id = byKey[ns + "\u{0}" + k], hops < 1000 {
                        if snapshots[id]?.image == nil { snapshots[id]?.image = name }
                        key = snapshots[id]?.parent
                        hops += 1
                    }
                }
            }
        }
    }

    /// Go's binary.Uvarint.
    static func uvarint(_ bytes: [UInt8]) -> UInt64? {
        var x: UInt64 = 0
        var s: UInt64 = 0
        for (i, b) in bytes.enumerated() {
            guard i < 10 else { return nil }
            if b < 0x80 {
                guard i < 9 || b <= 1 else { return nil }
                return x | UInt64(b) << s
            }
            x |= UInt64(b & 0x7f) << s
            s += 7
        }
        return nil
    }
}
