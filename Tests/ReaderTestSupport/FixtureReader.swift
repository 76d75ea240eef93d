import DeviceMapper
import Foundation
import PoolReader
import TestSupport
import Testing
import ThinPool
import Workloads

enum Paths {
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let root = tests.appendingPathComponent("../..").standardized
    static func fixture(_ name: String) -> String { root.appendingPathComponent("fixtures/\(name)").path }
    static let golden = tests.appendingPathComponent("golden")
}

/// A reader of a fixture; one with a docker root and configs beside it (fixtures/workloads)
/// names its pools from them, and takes docker's dm.min_free_space from its daemon.json.
func fixtureReader(_ name: String, percent: UInt64? = nil) -> PoolReader {
    let dir = Paths.fixture(name)
    let hasWorkloads = FileManager.default.fileExists(atPath: dir + "/docker")
    let workloads = WorkloadSources(options: WorkloadSources.Options(
        dockerRoot: hasWorkloads ? dir + "/docker" : nil, detectDocker: false,
        dockerConfig: hasWorkloads ? dir + "/etc/docker/daemon.json" : nil,
        containerdConfig: hasWorkloads ? dir + "/etc/containerd/config.toml" : nil,
        volumeGroups: FileVolumeGroups(path: dir + "/vgs")))
    return PoolReader(client: FixtureDeviceMapper(directory: dir), backing: NoLoopBacking(),
                      minFreeSpacePercent: { pool, owner in percent ?? PoolReader.dockerMinFreeSpace(pool, owner) },
                      annotator: workloads)
}

let golden = Golden(Paths.golden)
