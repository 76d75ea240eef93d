import DeviceMapper
import Foundation
import Reader
import TestSupport
import Testing
import ThinPoolCore

@testable import Workloads

/// Pools named by what uses them, read from fixtures through PoolReader as the exporter does.
@Suite struct ResolverTests {
    static let workloads = Repo.fixture("workloads")

    static func sources(
        _ dir: String = workloads, dockerRoot: String? = workloads + "/docker",
        dockerConfig: String? = workloads + "/etc/docker/daemon.json"
    ) -> WorkloadSources {
        WorkloadSources(
            options: WorkloadSources.Options(
                dockerRoot: dockerRoot, detectDocker: false, dockerConfig: dockerConfig,
                containerdConfig: workloads + "/etc/containerd/config.toml", volumeGroups: FileVolumeGroups(path: dir + "/vgs")))
    }

    static func reader(_ dir: String = workloads, _ sources: WorkloadSources = sources()) -> PoolReader {
        PoolReader(client: FixtureDeviceMapper(directory: dir), backing: NoLoopBacking(), annotator: sources)
    }

    @Test func everyPoolOfTheWorkloadHostIsNamed() throws {
        let report = try Self.reader().read()
        let byName = Dictionary(uniqueKeysWithValues: report.pools.map { ($0.name, $0) })
        let docker = try #require(byName["docker-0:2-403-pool"]?.pool)
        #expect(docker.owner?.kind == .docker)
        let tallies = try #require(docker.owner?.docker?.devices)
        func tally(_ k: VolumeOwner.Kind, _ s: DeviceTally.State) -> Int? { tallies.first { $0.kind == k && $0.state == s }?.count }
        #expect(tally(.dockerContainer, .active) == 2)
        #expect(tally(.dockerContainer, .inactive) == 1)
        #expect(tally(.dockerInit, .inactive) == 3)
        #expect(tally(.dockerImageLayer, .inactive) == 2)
        #expect(tally(.dockerBase, .inactive) == 1)
        #expect(tally(.dockerDevice, .deleted) == 1)
        #expect(docker.owner?.docker?.deferredDeleted == 1)
        #expect(docker.owner?.docker?.baseDeviceSize == 10 << 30)
        #expect(docker.owner?.docker?.skippedFiles == 2)
        #expect(Set(docker.thinVolumes.compactMap { $0.owner?.containerName }) == ["web", "db"])
        // docker's own dm.min_free_space (15% in daemon.json) for its pool; 10 for the others.
        #expect(byName["docker-0:2-403-pool"]?.minFreeSpacePercent == 15)
        #expect(byName["vg0-pool0-tpool"]?.minFreeSpacePercent == 10)

        let lvm = try #require(byName["vg0-pool0-tpool"]?.pool)
        #expect(
            lvm.owner
                == {
                    var o = PoolOwner(kind: .lvm, lvm: LVMName(vg: "vg0", lv: "pool0"))
                    o.volumeGroupSize = 331_350_016
                    o.volumeGroupFree = 113_246_208
                    return o
                }())
        #expect(lvm.thinVolumes.map { $0.owner?.lvm?.description } == ["vg0/data", "vg0/logs"])

        let containerd = try #require(byName["containerd-pool"]?.pool)
        #expect(containerd.owner?.kind == .containerd)
        #expect(
            containerd.thinVolumes.map { $0.owner } == [
                VolumeOwner(kind: .containerdSnapshot, layer: "1"),
                VolumeOwner(kind: .containerdSnapshot, layer: "2"),
            ])
    }

    @Test func theFastPathKeepsTheOwnerAndMinFreeSpaceOfTheFullRead() throws {
        let reader = Self.reader()
        let full = try reader.read()
        let fast = try reader.read(pool: "docker-0:2-403-pool")
        let fromFull = try #require(full.pools.first { $0.name == "docker-0:2-403-pool" })
        #expect(fast.pool?.owner == fromFull.pool?.owner)
        #expect(fast.minFreeSpacePercent == 15)
        #expect(fast.capacity?.minFreeSpace == fromFull.capacity?.minFreeSpace)
    }

    @Test func withoutDaemonJSONDockersDefaultApplies() throws {
        let report = try Self.reader(Self.workloads, Self.sources(dockerConfig: nil)).read()
        #expect(report.pools.first { $0.name == "docker-0:2-403-pool" }?.minFreeSpacePercent == 10)
    }

    @Test func aDockerNamedPoolIsNotDockersWithoutMatchingDeviceIDs() {
        let docker = DockerInventory(root: "/r", devicePrefix: "docker-8:1-99", devices: ["abc": DockerDevice(deviceID: 5, size: 1)])
        func pool(_ name: String, volume: String, id: UInt32) -> ThinPool {
            var p = ThinPool(
                name: name, uuid: nil, number: nil, eventNumber: nil, length: Sectors(1024),
                table: try! ThinPoolTable(parsing: "7:0 7:1 128 0 0"),
                status: try! ThinPoolStatus(parsing: "0 1/10 1/8 - rw"))
            p.thinVolumes = [
                ThinVolume(
                    name: volume, uuid: nil, number: nil, size: Sectors(8),
                    table: try! ThinTable(parsing: "254:0 \(id)"), status: nil)
            ]
            return p
        }
        let inv = WorkloadInventory(docker: docker)
        var byName = pool("docker-8:1-99-pool", volume: "docker-8:1-99-zzz", id: 1)
        WorkloadResolver.annotate(&byName, inv)
        #expect(byName.owner?.kind == .docker, "named as dockerd names it from the root's stat")
        var moved = pool("docker-8:2-7-pool", volume: "docker-8:2-7-abc", id: 5)
        WorkloadResolver.annotate(&moved, inv)
        #expect(moved.owner?.kind == .docker, "another prefix, but a device docker lists with the same id")
        var stranger = pool("docker-8:2-7-pool", volume: "docker-8:2-7-abc", id: 6)
        WorkloadResolver.annotate(&stranger, inv)
        #expect(stranger.owner == nil, "same hash, another device id: not this docker's")
    }

    @Test func directLVMIsDockersAndLVMs() throws {
        // The demo fixture's docker-thinpool (vg docker, lv thinpool), named in daemon.json.
        let dir = try makeTempDir(prefix: "direct-lvm")
        try #"{"storage-driver":"devicemapper","storage-opts":["dm.thinpooldev=/dev/mapper/docker-thinpool","dm.min_free_space=20%"]}"#
            .write(toFile: dir + "/daemon.json", atomically: false, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: dir + "/root/devicemapper/metadata", withIntermediateDirectories: true)
        let sources = WorkloadSources(
            options: WorkloadSources.Options(
                dockerRoot: dir + "/root", detectDocker: false, dockerConfig: dir + "/daemon.json", containerdConfig: nil, volumeGroups: nil
            ))
        let report = try Self.reader(Repo.fixture("demo"), sources).read()
        let pool = try #require(report.pools.first { $0.name == "docker-thinpool-tpool" })
        #expect(pool.pool?.owner?.kind == .docker)
        #expect(pool.pool?.owner?.lvm == LVMName(vg: "docker", lv: "thinpool"))
        #expect(pool.minFreeSpacePercent == 20)
        #expect(pool.pool?.thinVolumes.first?.owner == VolumeOwner(kind: .lvm, lvm: LVMName(vg: "docker", lv: "vol1")))
        // docker's loop pool of the same fixture is not this docker's: its pool is the LVM one.
        #expect(report.pools.first { $0.name == "docker-8:1-1048577-pool" }?.pool?.owner == nil)
    }

    /// docker info's Data file / Data loop file: only when the file behind the pool's loop
    /// device is docker's own <root>/devicemapper/devicemapper/data (docker compares them);
    /// dm.datadev as given; none with dm.thinpooldev.
    @Test func dockersLoopFilesAreTheOnesBehindThePool() {
        let data = FileID(device: 40, inode: 7)
        let meta = FileID(device: 40, inode: 8)
        var p = ThinPool(
            name: "docker-8:1-99-pool", uuid: nil, number: nil, eventNumber: nil, length: Sectors(1024),
            table: try! ThinPoolTable(parsing: "7:1 7:0 128 0 0"), status: try! ThinPoolStatus(parsing: "0 1/10 1/8 - rw"),
            dataBacking: LoopBacking(path: "/mnt/real/data", filesystemFree: nil, device: "/dev/loop0", file: data),
            metadataBacking: LoopBacking(path: "/mnt/real/metadata", filesystemFree: nil, device: "/dev/loop1", file: meta))
        var docker = DockerInventory(root: "/var/lib/docker", devicePrefix: "docker-8:1-99", dataLoopFile: data, metadataLoopFile: meta)
        WorkloadResolver.annotate(&p, WorkloadInventory(docker: docker))
        let d = p.owner?.docker
        #expect(d?.dataFile == "/dev/loop0" && d?.metadataFile == "/dev/loop1")
        #expect(d?.dataLoopFile == "/var/lib/docker/devicemapper/devicemapper/data", "docker's path, not the resolved one")
        #expect(d?.metadataLoopFile == "/var/lib/docker/devicemapper/devicemapper/metadata")

        docker.dataLoopFile = FileID(device: 40, inode: 99)  // another file: docker shows neither line
        WorkloadResolver.annotate(&p, WorkloadInventory(docker: docker))
        #expect(p.owner?.docker?.dataFile == nil && p.owner?.docker?.dataLoopFile == nil)
        #expect(p.owner?.docker?.metadataFile == "/dev/loop1")

        docker.settings.dataDevice = "/dev/sdb1"
        WorkloadResolver.annotate(&p, WorkloadInventory(docker: docker))
        #expect(p.owner?.docker?.dataFile == "/dev/sdb1" && p.owner?.docker?.dataLoopFile == nil)
    }

    /// A device docker marked deleted whose dm device is still held open: deleted, as docker
    /// counts it (Deferred Deleted Device Count), not active.
    @Test func aDeletedDeviceStillOpenIsDeleted() {
        let docker = DockerInventory(
            root: "/r", devicePrefix: "docker-8:1-99",
            devices: ["abc": DockerDevice(deviceID: 5, size: 1 << 30, deleted: true)])
        var p = ThinPool(
            name: "docker-8:1-99-pool", uuid: nil, number: nil, eventNumber: nil, length: Sectors(1024),
            table: try! ThinPoolTable(parsing: "7:0 7:1 128 0 0"), status: try! ThinPoolStatus(parsing: "0 1/10 1/8 - rw"))
        p.thinVolumes = [
            ThinVolume(
                name: "docker-8:1-99-abc", uuid: nil, number: nil, size: Sectors(2 << 20),
                table: try! ThinTable(parsing: "254:0 5"), status: nil)
        ]
        WorkloadResolver.annotate(&p, WorkloadInventory(docker: docker))
        #expect(p.owner?.docker?.devices == [DeviceTally(kind: .dockerDevice, state: .deleted, count: 1, virtualBytes: 1 << 30)])
        #expect(p.owner?.docker?.deferredDeleted == 1)
    }

    @Test func lvmNamesWithDashes() {
        var p = ThinPool(
            name: "my--vg-thin--pool-tpool", uuid: "LVM-abc-tpool", number: nil, eventNumber: nil, length: Sectors(8),
            table: try! ThinPoolTable(parsing: "7:0 7:1 128 0 0"), status: try! ThinPoolStatus(parsing: "0 1/10 1/8 - rw"))
        WorkloadResolver.annotate(&p, WorkloadInventory())
        #expect(p.owner?.lvm == LVMName(vg: "my-vg", lv: "thin-pool"))
        p.uuid = nil
        WorkloadResolver.annotate(&p, WorkloadInventory())
        #expect(p.owner == nil, "a name alone does not make an LV")
    }

    @Test func dockerNames() {
        #expect(WorkloadResolver.dockerName("docker-8:1-1234-abc").map { "\($0.prefix)|\($0.hash)" } == "docker-8:1-1234|abc")
        #expect(WorkloadResolver.dockerName("docker-8:1-1234-abc-init").map { String($0.hash) } == "abc-init")
        for bad in ["docker-thinpool", "docker-8:1-abc", "docker-8-1-2-x", "docker-8:1-1234-", "dock-8:1-2-x", "docker-:1-2-x"] {
            #expect(WorkloadResolver.dockerName(bad) == nil, "\(bad)")
        }
    }
}
