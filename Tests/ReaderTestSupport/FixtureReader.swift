import DeviceMapper
import Foundation
import Reader
import ThinPoolCore
import Workloads

/// A reader of one of fixtures/; one with a docker root and configs beside it
/// (fixtures/workloads) names its pools from them, and takes docker's dm.min_free_space from
/// its daemon.json.
public func fixtureReader(_ dir: String, percent: UInt64? = nil) -> PoolReader {
    let hasWorkloads = FileManager.default.fileExists(atPath: dir + "/docker")
    let workloads = WorkloadSources(
        options: WorkloadSources.Options(
            dockerRoot: hasWorkloads ? dir + "/docker" : nil, detectDocker: false,
            dockerConfig: hasWorkloads ? dir + "/etc/docker/daemon.json" : nil,
            containerdConfig: hasWorkloads ? dir + "/etc/containerd/config.toml" : nil,
            volumeGroups: FileVolumeGroups(path: dir + "/vgs")))
    return PoolReader(
        client: FixtureDeviceMapper(directory: dir), backing: NoLoopBacking(),
        minFreeSpacePercent: { pool, own in percent ?? PoolReader.dockerMinFreeSpace(pool, own) },
        annotator: workloads)
}
