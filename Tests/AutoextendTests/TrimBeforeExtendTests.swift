import Logging
import Reader
import ReaderTestSupport
import SystemIO
import TestSupport
import Testing
import ThinPoolCore

@testable import Autoextend

/// trim_first: a pool over its threshold is trimmed before anything else, and a trim that
/// brings it under is all autoextend does. (The VM scenario space-scan shows the rest with a
/// real filesystem: a trim that is not enough, then growth by what is missing.)
@Suite struct TrimBeforeExtendTests {
    /// Says 300 MiB are reclaimable; its trim moves the pool's usage to `after`.
    final class Trimmer: PoolTrimmer {
        let dm: ScriptedDeviceMapper
        let after: String
        let trims = Locked(0)

        init(dm: ScriptedDeviceMapper, after: String) {
            self.dm = dm
            self.after = after
        }

        func reclaimable(pool: String) -> UInt64? { 300 << 20 }
        func trim(pool: String, minimum: UInt64, interval: Double) -> TrimResult {
            trims.withLock { $0 += 1 }
            #expect(minimum == 65536, "minlen of a pool block: a smaller discard frees nothing")
            dm.set(pool, status: after, event: true)
            return TrimResult(trimmed: ["fsvol"])
        }
    }

    static func status(used: Int) -> String {
        "0 2097152 thin-pool 0 10/1024 \(used)/16384 - rw discard_passdown queue_if_no_space - 256"
    }

    func extender(_ dm: ScriptedDeviceMapper, _ trimmer: Trimmer, trimFirst: Bool = true) -> Autoextender {
        var policy = AutoextendPolicy()
        policy.enabled = true
        policy.trimFirst = trimFirst
        policy.data.threshold = 0.30
        let fixed = policy
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return Autoextender(
            reader: PoolReader(client: dm, backing: NoLoopBacking()), dm: dm, alerts: nil, policy: { _ in fixed }, logger: logger,
            trimmer: trimmer)
    }

    func pool() -> ScriptedDeviceMapper {
        let dm = ScriptedDeviceMapper()
        dm.add("pool", minor: 0, table: "0 2097152 thin-pool 7:0 7:1 128 0 0", status: Self.status(used: 7326))
        return dm
    }

    @Test func aTrimThatBringsThePoolUnderItsThresholdIsAllItDoes() {
        let dm = pool()
        let trimmer = Trimmer(dm: dm, after: Self.status(used: 1000))
        let a = extender(dm, trimmer)
        let o = a.run(pool: "pool", kind: .data, override: nil, dryRun: false)
        #expect(o.result == .trimmed)
        #expect(o.message == "pool pool: trimmed fsvol: 414.6MB freed in the pool, now 6.1% used (threshold 30.0%): not grown")
        #expect(trimmer.trims.withLock { $0 } == 1)
        #expect(a.stats.decisions.first(where: { $0.kind == "data" && $0.result == "trimmed" })?.count == 1)
    }

    @Test func aDryRunDoesNotTrimAndTrimFirstOffNeverDoes() {
        let dm = pool()
        let trimmer = Trimmer(dm: dm, after: Self.status(used: 1000))
        _ = extender(dm, trimmer).run(pool: "pool", kind: .data, override: nil, dryRun: true)
        #expect(trimmer.trims.withLock { $0 } == 0)
        let o = extender(dm, trimmer, trimFirst: false).run(pool: "pool", kind: .data, override: nil, dryRun: false)
        #expect(trimmer.trims.withLock { $0 } == 0)
        #expect(o.result != .trimmed)
    }
}
