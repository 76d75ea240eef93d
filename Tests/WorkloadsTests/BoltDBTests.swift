import Foundation
import TestSupport
import Testing

@testable import Workloads

/// The reader against real bbolt files (containerd 1.6's, captured in the test VM by
/// Tests/VM/tools/capture-containerd.sh), and against damaged ones.
@Suite struct BoltDBTests {
    static func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: Repo.fixture("containerd") + "/" + name)))
    }

    static func keys(_ b: BoltBucket?) throws -> [String] {
        try (b?.entries() ?? []).map { String(decoding: $0.key, as: UTF8.self) }
    }

    @Test func containerdsSnapshotterMetadata() throws {
        let db = try BoltDB(bytes: try Self.fixture("metadata.db"))
        #expect(db.pageSize == 4096)
        #expect(try Self.keys(db.root) == ["v1"])
        #expect(try Self.keys(db.root.bucket("v1")) == ["parents", "snapshots"])
        let snaps = try #require(try db.root.bucket(path: ["v1", "snapshots"]))
        // base-b was removed with ctr; the snapshotter had not cleaned it up yet.
        #expect(
            try Self.keys(snaps) == [
                "default/2/sha256:94e59c3d7b6f52955725c49498b4f1282952051ba3a7475d5d3a9823e45bc495",
                "default/4/base-b", "default/5/idle", "default/6/base-a-committed", "default/7/base-a-view",
            ])
        let committed = try #require(try snaps.bucket("default/6/base-a-committed"))
        #expect(try committed.value("kind") == [3])
        #expect(try committed.value("id") != nil)
        #expect(try committed.bucket("kind") == nil, "a value is not a bucket")
        #expect(try committed.value("nope") == nil)
    }

    @Test func containerdsMetaDB() throws {
        let db = try BoltDB(bytes: try Self.fixture("meta.db"))
        let ns = try #require(try db.root.bucket(path: ["v1", "default"]))
        #expect(try Self.keys(ns.bucket("containers")) == ["idle"])
        #expect(try ns.bucket(path: ["containers", "idle"])?.string("snapshotter") == "devmapper")
        #expect(try ns.bucket(path: ["images"]).map(Self.keys) == ["docker.io/library/bb:test"])
    }

    /// Truncated at every page boundary and with bytes flipped: an error or a parse, never a
    /// crash or a hang (the fuzz target goes further).
    @Test func damagedFilesAreErrors() throws {
        let bytes = try Self.fixture("meta.db")
        for cut in stride(from: 0, to: bytes.count, by: 512) {
            if let db = try? BoltDB(bytes: Array(bytes[0..<cut])) { _ = try? walk(db.root) }
        }
        var g = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            var b = bytes
            for _ in 0..<8 { b[Int.random(in: 0..<b.count, using: &g)] = UInt8.random(in: 0...255, using: &g) }
            if let db = try? BoltDB(bytes: b) { _ = try? walk(db.root) }
        }
        #expect(throws: BoltError.tooShort(10)) { try BoltDB(bytes: Array(repeating: 0, count: 10)) }
        #expect(throws: BoltError.noValidMeta) { try BoltDB(bytes: Array(repeating: 0, count: 16384)) }
    }

    /// A meta page whose checksum no longer matches is not used; the other one is.
    @Test func theNewerValidMetaPageIsUsed() throws {
        var bytes = try Self.fixture("meta.db")
        let db = try BoltDB(bytes: bytes)
        let (page, other) = db.transactionID % 2 == 0 ? (0, 4096) : (4096, 0)
        bytes[page + 16 + 48] ^= 0xff  // the current meta's txid: its checksum fails now
        let older = try BoltDB(bytes: bytes)
        #expect(older.transactionID == db.transactionID - 1)
        #expect(BoltDB.transactionID(metaPages: Array(bytes[0..<8192])) == older.transactionID)
        bytes[other + 16] ^= 0xff  // and the other's magic
        #expect(throws: BoltError.noValidMeta) { try BoltDB(bytes: bytes) }
    }

    func walk(_ b: BoltBucket) throws -> Int {
        var n = 0
        for (_, e) in try b.entries() {
            n += 1
            if case .bucket(let nested) = e { n += try walk(nested) }
        }
        return n
    }
}
