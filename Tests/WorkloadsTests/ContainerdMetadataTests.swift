import Foundation
import TestSupport
import Testing
import ThinPoolCore

@testable import Workloads

/// containerd's own files (fixtures/containerd, from a real containerd 1.6 in the test VM: an
/// image imported, base-a and base-b prepared, container idle created, base-a committed as
/// base-a-committed and viewed as base-a-view, base-b removed) read into snapshots named as
/// `ctr snapshots ls` names them. The VM scenario containerd compares with ctr itself.
@Suite struct ContainerdMetadataTests {
    static let config = ContainerdDevmapperConfig(poolName: "containerd-pool", rootPath: "/r/devmapper", root: "/r")

    static func read(_ path: String) throws -> [UInt8]? {
        let name: String
        switch path {
        case "/r/devmapper/metadata.db": name = "metadata.db"
        case "/r/devmapper/containerd-pool.db": name = "containerd-pool.db"
        case "/r/io.containerd.metadata.v1.bolt/meta.db": name = "meta.db"
        default: return nil
        }
        return Array(try Data(contentsOf: URL(fileURLWithPath: Repo.fixture("containerd") + "/" + name)))
    }

    @Test func snapshotsAsContainerdKnowsThem() throws {
        let inv = ContainerdMetadata.inventory(Self.config, read: Self.read)
        #expect(inv.problems.isEmpty, "\(inv.problems)")
        let layer = "sha256:94e59c3d7b6f52955725c49498b4f1282952051ba3a7475d5d3a9823e45bc495"
        let byKey = Dictionary(inv.snapshots.values.filter { !$0.removed }.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(Set(byKey.keys) == [layer, "idle", "base-a-committed", "base-a-view"])
        #expect(byKey[layer]?.kind == .committed)
        #expect(byKey[layer]?.image == "docker.io/library/bb:test", "the image's top layer, from its config's gc label")
        #expect(byKey["idle"]?.kind == .active)
        #expect(byKey["idle"]?.container == "idle")
        #expect(byKey["idle"]?.image == "docker.io/library/bb:test")
        #expect(byKey["idle"]?.parent == layer)
        #expect(byKey["base-a-committed"]?.kind == .committed)
        #expect(byKey["base-a-view"]?.kind == .view)
        #expect(byKey["base-a-view"]?.parent == "base-a-committed")
        #expect(byKey["base-a-view"]?.size == 64 << 20, "base_image_size, from the device table")
        #expect(byKey["base-a-view"]?.namespace == "default")
        // base-b: removed with ctr, still in the snapshotter's tables until its cleanup.
        let removed = inv.snapshots.values.filter(\.removed)
        #expect(removed.map(\.key) == ["base-b"])
        // Ids are the snapshotter's own sequence (its devices: containerd-pool-snap-<id>).
        #expect(inv.snapshots.keys.sorted() == ["1", "2", "3", "4", "5"])
        #expect(byKey["idle"]?.id == "4" && byKey["base-a-view"]?.id == "5")
    }

    @Test func missingAndDamagedFiles() throws {
        // Only the snapshotter's metadata: names from its keys, nothing marked removed.
        let bare = ContainerdMetadata.inventory(Self.config) { path in path.hasSuffix("/metadata.db") ? try Self.read(path) : nil }
        #expect(bare.problems.isEmpty)
        #expect(bare.snapshots["3"]?.key == "base-b" && bare.snapshots["3"]?.removed == false)
        // A damaged meta.db is a problem naming the file; the rest is still read.
        let damaged = ContainerdMetadata.inventory(Self.config) { path in
            path.hasSuffix("meta.db") ? Array(repeating: 0, count: 8192) : try Self.read(path)
        }
        #expect(damaged.problems == ["/r/io.containerd.metadata.v1.bolt/meta.db: not a bolt database, or damaged: no valid meta page"])
        #expect(damaged.snapshots.count == 5)
    }

    @Test func backendKeysAndVarints() {
        #expect(ContainerdMetadata.splitBackendKey("default/12/a/b") == ("default", "a/b"))
        #expect(ContainerdMetadata.splitBackendKey("plain") == ("", "plain"))
        #expect(ContainerdMetadata.uvarint([0x05]) == 5)
        #expect(ContainerdMetadata.uvarint([0x96, 0x01]) == 150)
        #expect(ContainerdMetadata.uvarint([0x80]) == nil)
        #expect(ContainerdMetadata.uvarint([]) == nil)
    }

    @Test func containerdsRootFromItsConfig() {
        let c = ContainerdDevmapperConfig.parse(
            """
            root = "/srv/containerd"
            version = 2
            [plugins."io.containerd.snapshotter.v1.devmapper"]
              pool_name = "p"
            """)
        #expect(c == ContainerdDevmapperConfig(poolName: "p", rootPath: nil, root: "/srv/containerd"))
        #expect(
            ContainerdMetadata.paths(c!) == [
                "/srv/containerd/io.containerd.snapshotter.v1.devmapper/metadata.db",
                "/srv/containerd/io.containerd.snapshotter.v1.devmapper/p.db",
                "/srv/containerd/io.containerd.metadata.v1.bolt/meta.db",
            ])
    }
}
