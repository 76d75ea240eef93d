import Foundation
import TestSupport
import Testing
import ThinPoolCore

@testable import Workloads

/// docker's data root as dockerd writes it: fixtures/workloads/docker (written by
/// Tests/VM/workload-host.sh, the same script the VM scenario runs) and roots made here.
@Suite struct DockerRootTests {
    static let fixtureRoot = Repo.fixture("workloads/docker")

    @Test func readsTheFixtureRoot() {
        let inv = DockerRootReader(root: Self.fixtureRoot).read()
        #expect(inv.devices.count == 10)
        #expect(inv.devices["base"] == DockerDevice(deviceID: 1, size: 10 << 30, transactionID: 1, initialized: true))
        #expect(inv.devices["dead0000dead0000dead0000dead0000dead0000dead0000dead0000dead0000"]?.deleted == true)
        #expect(inv.baseFilesystem == "xfs")
        let web = "3e5f7a9b1c2d4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f"
        let webMount = "9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0"
        #expect(inv.layers[webMount] == .container(id: web))
        #expect(inv.layers[webMount + "-init"] == .initLayer(id: web))
        #expect(inv.layers["8c9e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6"] == .image)
        #expect(inv.layers.count == 8)
        #expect(Set(inv.containerNames.values) == ["web", "db", "old"])
        #expect(inv.owner(hash: webMount) == VolumeOwner(kind: .dockerContainer, containerID: web, containerName: "web", layer: webMount))
        // The half-written temporary file and the damaged one are skipped, each with why.
        #expect(
            inv.skipped.map { URL(fileURLWithPath: $0.path).lastPathComponent }
                == [".tmp482913", "badbadbadbadbadbadbadbadbadbadbadbadbadbadbadbadbadbadbadbadbadb"])
        #expect(inv.skipped[0].reason.contains("temporary file"))
        #expect(inv.skipped[1].reason.contains("not JSON"))
    }

    @Test func malformedFilesAreSkippedWithAReasonNeverFatal() throws {
        let root = try makeTempDir(prefix: "docker-root")
        let meta = root + "/devicemapper/metadata"
        let layerdb = root + "/image/devicemapper/layerdb"
        for d in [
            meta, layerdb + "/mounts/c1", layerdb + "/mounts/c2", layerdb + "/sha256/l1", root + "/containers/c1",
            root + "/containers/c2", meta + "/subdir",
        ] {
            try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        }
        let files: [String: String] = [
            "good": #"{"device_id":7,"size":1024,"transaction_id":3,"initialized":false,"deleted":false}"#,
            "old-dockerd": #"{"device_id":8,"size":2048,"transaction_id":4,"initialized":false}"#,
            "empty": "",
            "truncated": #"{"device_id":9,"si"#,
            "wrongtype": #"{"device_id":"nine","size":1}"#,
            "nosize": #"{"device_id":9}"#,
            "toobig": #"{"device_id":16777216,"size":1}"#,
            "negative": #"{"device_id":-1,"size":1}"#,
            "array": "[1,2,3]",
            ".tmp123": #"{"device_id":10,"#,
            "deviceset-metadata": #"{"next_device_id":11,"BaseDeviceUUID":"x","BaseDeviceFilesystem":"ext4"}"#,
            "transaction-metadata": #"{"open_transaction_id":4,"device_hash":"good","device_id":7}"#,
            "json.migrated": "{}",
        ]
        for (name, text) in files { try text.write(toFile: meta + "/" + name, atomically: false, encoding: .utf8) }
        try Data(count: 5 << 20).write(to: URL(fileURLWithPath: meta + "/huge"))
        try FileManager.default.createSymbolicLink(atPath: meta + "/link", withDestinationPath: meta + "/good")
        try "m1".write(toFile: layerdb + "/mounts/c1/mount-id", atomically: false, encoding: .utf8)
        // c2 has no mount-id; l1 has no cache-id
        try "{\"Name\":\"/ok\"}".write(toFile: root + "/containers/c1/config.v2.json", atomically: false, encoding: .utf8)
        try "{\"Name\":".write(toFile: root + "/containers/c2/config.v2.json", atomically: false, encoding: .utf8)

        let inv = DockerRootReader(root: root).read()
        #expect(
            inv.devices == [
                "good": DockerDevice(deviceID: 7, size: 1024, transactionID: 3, initialized: false),
                "old-dockerd": DockerDevice(deviceID: 8, size: 2048, transactionID: 4, initialized: false),
            ])
        #expect(inv.baseFilesystem == "ext4")
        #expect(inv.layers == ["m1": .container(id: "c1")])
        #expect(inv.containerNames == ["c1": "ok"])
        let reasons = Dictionary(uniqueKeysWithValues: inv.skipped.map { (String($0.path.dropFirst(root.count + 1)), $0.reason) })
        #expect(reasons["devicemapper/metadata/empty"] == "empty (half-written?)")
        #expect(reasons["devicemapper/metadata/truncated"] == "not JSON (half-written or damaged)")
        #expect(reasons["devicemapper/metadata/wrongtype"] == "not a device file: \"device_id\" has the wrong type")
        #expect(reasons["devicemapper/metadata/nosize"] == "not a device file: \"size\" is missing")
        #expect(reasons["devicemapper/metadata/toobig"] == "device_id 16777216 is not a 24-bit thin device id")
        #expect(reasons["devicemapper/metadata/negative"]?.hasPrefix("not a device file") == true)
        #expect(reasons["devicemapper/metadata/array"]?.hasPrefix("not a device file") == true)
        #expect(reasons["devicemapper/metadata/.tmp123"]?.contains("temporary file") == true)
        #expect(reasons["devicemapper/metadata/huge"] == "cannot be read")
        #expect(reasons["devicemapper/metadata/link"] == "cannot be read", "symlinks are not followed")
        #expect(reasons["image/devicemapper/layerdb/mounts/c2"] == "no readable mount-id")
        #expect(reasons["image/devicemapper/layerdb/sha256/l1"] == "no readable cache-id")
        #expect(reasons["containers/c2"] == "config.v2.json is not a JSON object (half-written or damaged)")
        #expect(reasons.count == 13, "\(reasons.keys.sorted())")
    }

    @Test func aMissingRootIsEmptyNotAnError() {
        let inv = DockerRootReader(root: "/nonexistent/docker").read()
        #expect(inv.devices.isEmpty && inv.layers.isEmpty && inv.skipped.isEmpty && inv.devicePrefix == nil)
        #expect(!DockerRootReader.isDevicemapperRoot("/nonexistent/docker"))
        #expect(DockerRootReader.isDevicemapperRoot(Self.fixtureRoot))
    }

    @Test func onlyWhatChangedIsReadAgain() throws {
        let root = try makeTempDir(prefix: "docker-cache")
        let meta = root + "/devicemapper/metadata"
        try FileManager.default.createDirectory(atPath: meta, withIntermediateDirectories: true)
        for i in 1...50 {
            try #"{"device_id":\#(i),"size":1024,"transaction_id":\#(i),"initialized":false,"deleted":false}"#
                .write(toFile: "\(meta)/h\(i)", atomically: false, encoding: .utf8)
        }
        // Written an hour ago: past the window in which a change could hide in the same tick.
        try ageAll(root)
        let reader = DockerRootReader(root: root)
        #expect(reader.read().devices.count == 50)
        let first = reader.filesRead
        #expect(first == 50)
        #expect(reader.read().devices.count == 50)
        #expect(reader.filesRead == first, "nothing changed: nothing read")
        // dockerd rewrites one device: a temporary file renamed over it.
        try #"{"device_id":7,"size":4096,"transaction_id":99,"initialized":false,"deleted":true}"#
            .write(toFile: meta + "/.tmp1", atomically: false, encoding: .utf8)
        #expect(rename(meta + "/.tmp1", meta + "/h7") == 0)
        let inv = reader.read()
        #expect(inv.devices["h7"] == DockerDevice(deviceID: 7, size: 4096, transactionID: 99, initialized: false, deleted: true))
        #expect(reader.filesRead == first + 1, "only the renamed file was read again")
        // A device removed.
        try FileManager.default.removeItem(atPath: meta + "/h8")
        #expect(reader.read().devices["h8"] == nil)
    }

    @Test func changesInTheSameSecondAreNotMissed() throws {
        let root = try makeTempDir(prefix: "docker-tick")
        let meta = root + "/devicemapper/metadata"
        try FileManager.default.createDirectory(atPath: meta, withIntermediateDirectories: true)
        try #"{"device_id":1,"size":1}"#.write(toFile: meta + "/a", atomically: false, encoding: .utf8)
        let reader = DockerRootReader(root: root)
        #expect(reader.read().devices["a"]?.size == 1)
        // Rewritten in place at once (same inode, maybe the same mtime tick): still seen.
        let fd = open(meta + "/a", O_WRONLY | O_TRUNC)
        _ = #"{"device_id":1,"size":2}"#.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        #expect(reader.read().devices["a"]?.size == 2)
    }

    @Test func devicePrefixUsesDockersMajorMinor() {
        // makedev(8, 1), makedev(259, 1) (nvme), makedev(8, 300): glibc's encoding, docker's split.
        #expect(DockerRootReader.devicePrefix(device: 0x801, inode: 1234) == "docker-8:1-1234")
        #expect(DockerRootReader.devicePrefix(device: 0x10301, inode: 5) == "docker-259:1-5")
        #expect(DockerRootReader.devicePrefix(device: 0x10082C, inode: 5) == "docker-8:300-5")
        var st = stat()
        #expect(stat(Self.fixtureRoot + "/devicemapper", &st) == 0)
        #expect(DockerRootReader.devicePrefix(of: Self.fixtureRoot + "/devicemapper")?.hasSuffix("-\(st.st_ino)") == true)
    }

    /// A data root moved by a symbolic link (/var/lib/docker -> /big/docker, how docker is moved
    /// to a larger disk): dockerd resolves it before use, so docker info's loop files and root
    /// are the resolved paths, and so are ours.
    @Test func aRootMovedByASymlinkIsReadAsDockerResolvesIt() throws {
        let dir = try makeTempDir(prefix: "moved-root")
        try FileManager.default.createDirectory(atPath: dir + "/big", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.fixtureRoot, toPath: dir + "/big/docker")
        try FileManager.default.createDirectory(atPath: dir + "/var/lib", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir + "/var/lib/docker", withDestinationPath: dir + "/big/docker")
        let sources = WorkloadSources(
            options: WorkloadSources.Options(
                dockerRoot: dir + "/var/lib/docker", detectDocker: false, dockerConfig: nil, containerdConfig: nil, volumeGroups: nil))
        let docker = try #require(sources.inventory().docker)
        let resolved = try #require(
            realpath(dir + "/big/docker", nil).map { p in
                defer { free(p) }
                return String(cString: p)
            })
        #expect(docker.root == resolved)
        #expect(docker.dataLoopPath == resolved + "/devicemapper/devicemapper/data")
        #expect(docker.devicePrefix == DockerRootReader.devicePrefix(of: resolved + "/devicemapper"))
    }
}
