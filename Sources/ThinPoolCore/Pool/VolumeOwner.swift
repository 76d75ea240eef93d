/// What uses a thin volume, when it can be told.
public struct VolumeOwner: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// A docker container's writable layer.
        case dockerContainer = "container"
        /// A docker container's init layer (`<mount-id>-init`).
        case dockerInit = "init"
        /// A docker image layer.
        case dockerImageLayer = "image"
        /// docker's base device.
        case dockerBase = "base"
        /// A docker device the layer store does not name.
        case dockerDevice = "docker"
        /// An LVM thin logical volume.
        case lvm
        /// A containerd devmapper snapshot.
        case containerdSnapshot = "snapshot"
    }

    public var kind: Kind
    public var containerID: String?
    public var containerName: String?
    /// docker's device hash (a layer's cache id, a container's mount id), or containerd's
    /// snapshot id.
    public var layer: String?
    public var lvm: LVMName?
    /// containerd's key for the snapshot (`ctr snapshots ls`), and its namespace.
    public var snapshotKey: String?
    public var namespace: String?
    /// The image behind it: the container's, or the image this layer belongs to.
    public var image: String?

    public init(
        kind: Kind, containerID: String? = nil, containerName: String? = nil, layer: String? = nil, lvm: LVMName? = nil,
        snapshotKey: String? = nil, namespace: String? = nil, image: String? = nil
    ) {
        self.kind = kind
        self.containerID = containerID
        self.containerName = containerName
        self.layer = layer
        self.lvm = lvm
        self.snapshotKey = snapshotKey
        self.namespace = namespace
        self.image = image
    }

    /// A short human name: "container web (3f2a1b9c0d1e)", "image layer 9d1c2e..", "LV vg/lv".
    public var displayName: String {
        func short(_ id: String) -> String { String(id.prefix(12)) }
        switch kind {
        case .dockerContainer, .dockerInit:
            let what = kind == .dockerInit ? "init layer of container" : "container"
            if let n = containerName, let id = containerID { return "\(what) \(n) (\(short(id)))" }
            return "\(what) \(containerID.map(short) ?? "?")"
        case .dockerImageLayer: return "image layer \(layer.map(short) ?? "?")"
        case .dockerBase: return "docker base device"
        case .dockerDevice: return "docker device \(layer.map(short) ?? "?")"
        case .lvm: return "LV \(lvm?.description ?? "?")"
        case .containerdSnapshot:
            // "containerd snapshot base-a", "... ctr1 (container ctr1, image docker.io/library/bb:test)";
            // the id when containerd no longer lists it or its metadata could not be read.
            let ns = namespace.map { $0 == "default" ? "" : "\($0)/" } ?? ""
            var name = "containerd snapshot " + (snapshotKey.map { ns + $0 } ?? layer.map { "#\($0)" } ?? "?")
            var of: [String] = []
            if let c = containerID { of.append("container \(c)") }
            if let i = image { of.append("image \(i)") }
            if !of.isEmpty { name += " (\(of.joined(separator: ", ")))" }
            return name
        }
    }
}
