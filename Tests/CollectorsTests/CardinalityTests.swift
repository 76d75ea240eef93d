import Collectors
import DeviceMapper
import Foundation
import Reader
import TestSupport
import Testing
import ThinPoolCore

@testable import Workloads

/// A docker host with 5,000 layers: every one active and named, yet the thin volume series stay
/// bounded by --thin.max-series, and the space past the cap is summed, not lost.
@Suite struct CardinalityTests {
    static let layers = 5000
    static let prefix = "docker-8:1-4242"

    /// A fixture (dmsetup output) with one docker pool and `layers` active layer devices, each
    /// with (i % 97) MiB mapped, and a docker root naming them all as image layers.
    static func host() throws -> String {
        let dir = try makeTempDir(prefix: "layers")
        let pool = prefix + "-pool"
        var table = "\(pool): 0 209715200 thin-pool 7:1 7:0 128 32768 1 skip_block_zeroing\n"
        var status = "\(pool): 0 209715200 thin-pool 7 2000/262144 100000/1638400 - rw discard_passdown queue_if_no_space - 1024\n"
        let meta = dir + "/docker/devicemapper/metadata"
        let sha = dir + "/docker/image/devicemapper/layerdb/sha256"
        try FileManager.default.createDirectory(atPath: meta, withIntermediateDirectories: true)
        for i in 1...layers {
            let hash = String(format: "%064x", i)
            table += "\(prefix)-\(hash): 0 20971520 thin 254:0 \(i)\n"
            let mapped = (i % 97) * 2048
            status += "\(prefix)-\(hash): 0 20971520 thin \(mapped) \(mapped == 0 ? "-" : String(mapped - 1))\n"
            try #"{"device_id":\#(i),"size":10737418240,"transaction_id":\#(i),"initialized":false,"deleted":false}"#
                .write(toFile: "\(meta)/\(hash)", atomically: false, encoding: .utf8)
            let chain = String(format: "c%063x", i)
            try FileManager.default.createDirectory(atPath: "\(sha)/\(chain)", withIntermediateDirectories: true)
            try hash.write(toFile: "\(sha)/\(chain)/cache-id", atomically: false, encoding: .utf8)
        }
        try table.write(toFile: dir + "/table", atomically: false, encoding: .utf8)
        // The pool's device number, which the thin tables name.
        try "Name Maj Min Stat Open Targ Event UUID\n\(pool) 254 0 L--w \(layers) 1 0\n"
            .write(toFile: dir + "/info", atomically: false, encoding: .utf8)
        try status.write(toFile: dir + "/status", atomically: false, encoding: .utf8)
        return dir
    }

    @Test func fiveThousandLayersGiveABoundedSeriesCount() throws {
        let dir = try Self.host()
        let sources = WorkloadSources(
            options: WorkloadSources.Options(
                dockerRoot: dir + "/docker", detectDocker: false, dockerConfig: nil, containerdConfig: nil, volumeGroups: nil))
        let reader = PoolReader(client: FixtureDeviceMapper(directory: dir), backing: NoLoopBacking(), annotator: sources)
        let report = try reader.read()
        let pool = try #require(report.pools.first?.pool)
        #expect(pool.owner?.kind == .docker)
        #expect(pool.thinVolumes.count == Self.layers)
        #expect(pool.thinVolumes.allSatisfy { $0.owner?.kind == .dockerImageLayer })

        let limit = 200
        let families = PoolMetrics.families(report, maxThinSeries: limit)
        func samples(_ name: String) -> [Sample] { families.first { $0.name == name }?.samples ?? [] }
        #expect(samples("thinpool_thin_mapped_bytes").count == limit + 1)
        #expect(samples("thinpool_thin_size_bytes").count == limit + 1)
        #expect(samples("thinpool_thin").count == limit)
        #expect(samples("thinpool_thin_volumes_summed").first?.value == .integer(UInt64(Self.layers - limit)))
        // The largest are the ones shown; the rest is summed, so the total is exact.
        let total = pool.thinVolumes.reduce(UInt64(0)) { $0 + ($1.status?.mapped?.bytes?.rawValue ?? 0) }
        let shown = samples("thinpool_thin_mapped_bytes").reduce(UInt64(0)) { sum, s in
            if case .integer(let v) = s.value { return sum + v }
            return sum
        }
        #expect(shown == total)
        let smallestShown = samples("thinpool_thin_mapped_bytes").filter { !$0.labels.contains(Label("device", PoolMetrics.otherDevice)) }
            .compactMap { s -> UInt64? in if case .integer(let v) = s.value { return v } else { return nil } }.min()
        let ranked = pool.thinVolumes.compactMap { $0.status?.mapped?.bytes?.rawValue }.sorted(by: >)
        #expect(smallestShown == ranked[limit - 1], "the volumes holding the most are the ones shown")
        #expect(ranked[limit - 1] > ranked.last!)
        // Every series of the whole scrape: bounded no matter how many layers there are.
        let all = families.reduce(0) { $0 + $1.samples.count }
        #expect(all < 3 * limit + 100, "\(all) series")
        // Unlimited when asked.
        #expect(PoolMetrics.families(report, maxThinSeries: nil).first { $0.name == "thinpool_thin" }?.samples.count == Self.layers)

        // A second read finds nothing changed in the 10,000 files of the docker root... once
        // they are older than the same-tick window.
        try ageAll(dir + "/docker")
        _ = try reader.read()
        let reads = try #require(sources.dockerReader?.filesRead)
        _ = try reader.read()
        #expect(sources.dockerReader?.filesRead == reads)
    }
}
