import AgentConfig
import DeviceMapper
import Exposition
import Foundation
import Logging
import PoolReader
import Testing
import ThinPool
@testable import Autoextend

@Suite struct AutoextenderTests {
    static let demo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../fixtures/demo").standardized.path

    func extender() -> Autoextender {
        let dm = FixtureDeviceMapper(directory: Self.demo)
        let reader = PoolReader(client: dm, backing: NoLoopBacking())
        var policy = AutoextendPolicy()
        policy.enabled = true
        let fixed = policy
        return Autoextender(reader: reader, dm: dm, alerting: nil, policy: { _ in fixed }, logger: Logger(label: "test"),
                            cannotAct: "pools read from --dm.fixtures cannot be extended")
    }

    func counts(_ a: Autoextender) -> [String: SampleValue] {
        var out: [String: SampleValue] = [:]
        for s in a.metrics().first?.samples ?? [] {
            out[s.labels.map(\.value).joined(separator: "/")] = s.value
        }
        return out
    }

    @Test func countersExistAtZeroOnceAPoolIsWatched() throws {
        let a = extender()
        #expect(counts(a).isEmpty)
        let reading = try PoolReader(client: FixtureDeviceMapper(directory: Self.demo), backing: NoLoopBacking()).read(pool: "docker-thinpool-tpool")
        a.observe(reading)
        let c = counts(a)
        #expect(c.count == 8, "\(c.keys.sorted())")
        #expect(c["docker-thinpool-tpool/data/extended"] == .integer(0))
        #expect(c["docker-thinpool-tpool/metadata/dry_run"] == .integer(0))
    }

    @Test func onAFixtureItRefusesWithTheReason() {
        let a = extender()
        let outcome = a.run(pool: "full", kind: .data, override: nil, dryRun: nil)
        #expect(outcome.result == .refused)
        #expect(outcome.message.contains("pools read from --dm.fixtures cannot be extended"), "\(outcome.message)")
        #expect(counts(a)["full/data/refused"] == .integer(1))
    }
}
