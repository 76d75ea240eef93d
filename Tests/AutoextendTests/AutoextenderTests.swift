import DeviceMapper
import Foundation
import Logging
import Reader
import Testing
import ThinPoolCore

@testable import Autoextend

@Suite struct AutoextenderTests {
    static let demo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../fixtures/demo").standardized
        .path

    func extender() -> Autoextender {
        let dm = FixtureDeviceMapper(directory: Self.demo)
        let reader = PoolReader(client: dm, backing: NoLoopBacking())
        var policy = AutoextendPolicy()
        policy.enabled = true
        let fixed = policy
        return Autoextender(
            reader: reader, dm: dm, alerts: nil, policy: { _ in fixed }, logger: Logger(label: "test"),
            cannotAct: "pools read from --dm.fixtures cannot be extended")
    }

    func counts(_ a: Autoextender) -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        for d in a.stats.decisions { out["\(d.pool)/\(d.kind)/\(d.result)"] = d.count }
        return out
    }

    @Test func countersExistAtZeroOnceAPoolIsWatched() throws {
        let a = extender()
        #expect(counts(a).isEmpty)
        let reading = try PoolReader(client: FixtureDeviceMapper(directory: Self.demo), backing: NoLoopBacking()).read(
            pool: "docker-thinpool-tpool")
        a.observe(pool: reading)
        let c = counts(a)
        #expect(c.count == 11, "\(c.keys.sorted())")
        #expect(c["docker-thinpool-tpool/data/extended"] == 0)
        #expect(c["docker-thinpool-tpool/metadata/dry_run"] == 0)
        #expect(c["docker-thinpool-tpool/data/trimmed"] == 0)
        #expect(c["docker-thinpool-tpool/metadata/trimmed"] == nil)
    }

    @Test func onAFixtureItRefusesWithTheReason() {
        let a = extender()
        let outcome = a.run(pool: "full", kind: .data, override: nil, dryRun: nil)
        #expect(outcome.result == .refused)
        #expect(outcome.message.contains("pools read from --dm.fixtures cannot be extended"), "\(outcome.message)")
        #expect(counts(a)["full/data/refused"] == 1)
    }
}
