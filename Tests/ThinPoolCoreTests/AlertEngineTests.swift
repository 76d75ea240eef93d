import Foundation
import TestSupport
import Testing

@testable import ThinPoolCore

/// The rules and the state machine as pure functions of (readings, time).
@Suite struct AlertEngineTests {
    /// A pool reading with `used` of 1000 data blocks and `metaUsed` of 1000 metadata blocks.
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    func at(_ s: Double) -> Date { t0.addingTimeInterval(s) }

    /// Evaluates `used` values one after another; the kinds and severities of events of
    /// the data usage alert.
    func dataUsageEvents(_ values: [UInt64], policy: PoolPolicy = PoolPolicy()) -> [String] {
        var e = AlertEngine()
        var out: [String] = []
        for (i, v) in values.enumerated() {
            for ev in e.evaluate(sampleReading(used: v), policy: policy, now: at(Double(i))) where ev.alert.key.name == .dataUsage {
                out.append("\(i):\(ev.kind.rawValue):\(ev.alert.severity.rawValue)")
            }
        }
        return out
    }

    @Test func thresholdsAndEscalation() {
        #expect(dataUsageEvents([500, 799, 800, 850, 900, 950]) == ["2:firing:warning", "4:severityChanged:critical"])
    }

    @Test func hysteresisStopsFlapping() {
        // Dancing around 80% (hysteresis 2%): fires once, resolves only below 78%.
        #expect(
            dataUsageEvents([801, 799, 802, 790, 781, 780, 779, 801]) == ["0:firing:warning", "6:resolved:warning", "7:firing:warning"])
        // Around 90%: critical holds to 88%, then warning.
        #expect(dataUsageEvents([905, 895, 881, 879, 700]) == ["0:firing:critical", "3:severityChanged:warning", "4:resolved:warning"])
    }

    @Test func noHysteresisFlapsAsExpected() {
        var policy = PoolPolicy()
        policy.alerts.dataUsed.hysteresis = 0
        #expect(dataUsageEvents([801, 799, 801], policy: policy) == ["0:firing:warning", "1:resolved:warning", "2:firing:warning"])
    }

    @Test func modesAndNeedsCheck() {
        var e = AlertEngine()
        let fired = e.evaluate(sampleReading(used: 1000, mode: "out_of_data_space"), policy: PoolPolicy(), now: at(0))
        let names = Set(fired.map(\.alert.key.name))
        #expect(names.isSuperset(of: [.outOfDataSpace, .dataUsage, .nearMinFreeSpace]))
        #expect(fired.first { $0.alert.key.name == .outOfDataSpace }?.alert.severity == .critical)
        #expect(fired.first { $0.alert.key.name == .nearMinFreeSpace }?.alert.severity == .critical, "docker refuses")
        let ro = e.evaluate(sampleReading(used: 1000, mode: "ro", needsCheck: true), policy: PoolPolicy(), now: at(1))
        #expect(ro.contains { $0.kind == .resolved && $0.alert.key.name == .outOfDataSpace })
        #expect(ro.contains { $0.kind == .firing && $0.alert.key.name == .readOnly })
        #expect(ro.contains { $0.kind == .firing && $0.alert.key.name == .needsCheck })
        let fail = e.evaluate(sampleReading(used: 0, fail: true), policy: PoolPolicy(), now: at(2))
        #expect(fail.contains { $0.kind == .firing && $0.alert.key.name == .failed && $0.alert.severity == .critical })
        #expect(e.active[AlertKey(pool: "p", name: .dataUsage)] == nil, "no counters in Fail: usage alerts resolve")
    }

    @Test func nearMinFreeSpaceAndLowWater() {
        var e = AlertEngine()
        // 10% minimum (100 blocks) + 5% margin: warning below 150 free blocks.
        #expect(e.evaluate(sampleReading(used: 840), policy: PoolPolicy(), now: at(0)).isEmpty == false)
        #expect(e.active[AlertKey(pool: "p", name: .nearMinFreeSpace)] == nil, "160 free: fine")
        _ = e.evaluate(sampleReading(used: 860), policy: PoolPolicy(), now: at(1))
        #expect(e.active[AlertKey(pool: "p", name: .nearMinFreeSpace)]?.severity == .warning)
        #expect(e.active[AlertKey(pool: "p", name: .nearMinFreeSpace)]?.summary.contains("docker's minimum free space 6.554MB") == true)
        _ = e.evaluate(sampleReading(used: 901), policy: PoolPolicy(), now: at(2))
        #expect(e.active[AlertKey(pool: "p", name: .nearMinFreeSpace)]?.severity == .critical)
        var lw = AlertEngine()
        let events = lw.evaluate(sampleReading(used: 700, lwm: 300), policy: PoolPolicy(), now: at(0))
        #expect(events.contains { $0.alert.key.name == .lowWaterMark && $0.kind == .firing })
        #expect(
            lw.evaluate(sampleReading(used: 600, lwm: 300), policy: PoolPolicy(), now: at(1)).contains {
                $0.alert.key.name == .lowWaterMark && $0.kind == .resolved
            })
    }

    @Test func summaryCarriesTheNumbersInWords() {
        var e = AlertEngine()
        _ = e.evaluate(sampleReading(used: 912), policy: PoolPolicy(), now: at(0))
        #expect(
            e.active[AlertKey(pool: "p", name: .dataUsage)]?.summary
                == "pool p data 91.2% used, 5.767MB available, docker's minimum free space 6.554MB")
    }

    @Test func repeatAndRestart() {
        var e = AlertEngine()
        _ = e.evaluate(sampleReading(used: 950), policy: PoolPolicy(), now: at(0))
        #expect(e.repeats(now: at(3599), interval: .seconds(3600)).isEmpty)
        let r = e.repeats(now: at(3600), interval: .seconds(3600))
        #expect(r.map(\.kind).allSatisfy { $0 == .repeated } && r.count == e.active.count)
        #expect(e.repeats(now: at(3601), interval: .seconds(3600)).isEmpty)
        // A restart with the saved state: still firing is not news.
        var restarted = AlertEngine(active: e.active)
        #expect(restarted.evaluate(sampleReading(used: 950), policy: PoolPolicy(), now: at(4000)).isEmpty)
        // Resolved while we were down: announced as resolved.
        #expect(restarted.evaluate(sampleReading(used: 100), policy: PoolPolicy(), now: at(5000)).allSatisfy { $0.kind == .resolved })
    }

    @Test func poolsThatVanishResolve() {
        var e = AlertEngine()
        _ = e.evaluate(sampleReading("a", used: 950), policy: PoolPolicy(), now: at(0))
        _ = e.evaluate(sampleReading("b", used: 950), policy: PoolPolicy(), now: at(0))
        let gone = e.keep(pools: ["b"], now: at(1))
        #expect(!gone.isEmpty && gone.allSatisfy { $0.kind == .resolved && $0.alert.key.pool == "a" })
        #expect(gone[0].alert.summary.contains("no longer exists"))
        #expect(e.active.keys.allSatisfy { $0.pool == "b" })
    }

    @Test func unreadablePool() {
        var e = AlertEngine()
        let r = PoolReading(name: "x", error: .statusMismatch(device: "x", statusTypes: []), minFreeSpacePercent: 10)
        let ev = e.evaluate(r, policy: PoolPolicy(), now: at(0))
        #expect(ev.map(\.alert.key.name) == [AlertName.unreadable])
    }

    @Test func switchedOffRules() {
        var policy = PoolPolicy()
        policy.alerts.dataUsed = RatioRule(warning: nil, critical: nil)
        policy.alerts.minFreeSpaceMargin = nil
        policy.alerts.outOfDataSpace = false
        var e = AlertEngine()
        #expect(e.evaluate(sampleReading(used: 1000, mode: "out_of_data_space"), policy: policy, now: at(0)).isEmpty)
    }
}

@Suite struct ForecastTests {
    @Test func aPoolFillingLinearlyPredictsTheRightTime() throws {
        var t = UsageTrend()
        // 1GB total, 100MB used, growing 1MB/s: full in 900 s.
        for s in 0..<60 {
            t.add(time: Double(s), used: UInt64(100_000_000 + s * 1_000_000), total: 1_000_000_000, window: 3600)
        }
        let ttf = try #require(t.secondsToFull(now: 59, minSamples: 5))
        #expect(abs(ttf - 841) < 0.001)
    }

    @Test func noisyGrowthStillFits() throws {
        var t = UsageTrend()
        for s in 0..<100 {
            let noise = Double((s * 7919) % 11) - 5  // deterministic +-5MB
            t.add(time: Double(s * 10), used: UInt64(200e6 + Double(s) * 10e6 + noise * 1e6), total: 2_000_000_000, window: 7200)
        }
        let ttf = try #require(t.secondsToFull(now: 990, minSamples: 5))
        #expect(abs(ttf - 810) < 15)  // 1.8GB left... at 1MB/s from 1190MB
    }

    @Test func aFlatOrShrinkingPoolPredictsNothing() {
        var flat = UsageTrend()
        for s in 0..<30 { flat.add(time: Double(s), used: 500, total: 1000, window: 3600) }
        #expect(flat.secondsToFull(now: 29, minSamples: 5) == nil)
        var shrinking = UsageTrend()
        for s in 0..<30 { shrinking.add(time: Double(s), used: UInt64(900 - s * 10), total: 1000, window: 3600) }
        #expect(shrinking.secondsToFull(now: 29, minSamples: 5) == nil)
    }

    @Test func tooFewSamplesAndWindowAndResize() {
        var t = UsageTrend()
        for s in 0..<4 { t.add(time: Double(s), used: UInt64(s * 1000), total: 100_000, window: 3600) }
        #expect(t.secondsToFull(now: 3, minSamples: 5) == nil)
        t.add(time: 4, used: 4000, total: 100_000, window: 3600)
        #expect(t.secondsToFull(now: 4, minSamples: 5) != nil)
        // Old samples fall out of the window.
        t.add(time: 10_000, used: 5000, total: 100_000, window: 3600)
        #expect(t.samples.count == 1)
        // A resize starts afresh.
        t.add(time: 10_001, used: 5000, total: 200_000, window: 3600)
        #expect(t.samples.count == 1 && t.total == 200_000)
    }

    @Test func forecastAlertsThroughTheEngine() {
        var e = AlertEngine()
        let policy = PoolPolicy()
        let f = AlertRules.Forecasts(dataSecondsToFull: 1800, metadataSecondsToFull: 5 * 3600)
        let ev = e.evaluate(sampleReading(used: 500), policy: policy, forecasts: f, now: Date(timeIntervalSince1970: 0))
        #expect(ev.first { $0.alert.key.name == .dataFullSoon }?.alert.severity == .critical)
        #expect(ev.first { $0.alert.key.name == .metadataFullSoon }?.alert.severity == .warning)
        #expect(ev.first { $0.alert.key.name == .dataFullSoon }?.alert.summary.contains("data space runs out in 30m") == true)
    }

    /// A capacity of 1000 data blocks of 64 KiB, `used` of them used, `available` bytes
    /// available (less than total - used when a loop file's filesystem caps it).
    func capacity(used: UInt64, available: UInt64? = nil, metaUsed: UInt64 = 100, percent: UInt64 = 10) throws -> PoolCapacity {
        let r = sampleReading(used: used, metaUsed: metaUsed)
        let snapshot = try #require(r.pool)
        return try PoolCapacity.compute(
            table: snapshot.table, length: snapshot.length, status: try #require(snapshot.status.working), minFreeSpacePercent: percent,
            dataBackingFree: available.map { Bytes($0) })
    }

    /// 64 KiB a second from 100 blocks used, over 60 s.
    func filling() -> UsageTrend {
        var t = UsageTrend()
        for s in 0...60 { t.add(time: Double(s), used: UInt64((100 + s) * 65536), total: 1000 * 65536, window: 3600) }
        return t
    }

    /// Issue 15's defect: a loop file on a filesystem smaller than the pool runs out when the
    /// filesystem does; the forecast is against docker's capped Available, not the pool's size.
    @Test func aLoopFileOnASmallerFilesystemRunsOutWhenTheFilesystemDoes() throws {
        let c = try capacity(used: 160, available: 40 * 65536)  // 840 blocks free in the pool, 40 on the filesystem
        #expect(c.data.availableLimitedByBacking)
        let f = AlertRules.Forecasts.compute(data: filling(), metadata: UsageTrend(), capacity: c, now: 60, minSamples: 5)
        #expect(abs(f.dataSecondsToFull! - 40) < 0.001, "40 blocks at a block a second, not 840")
        // Uncapped, the pool's own size is the limit.
        let open = try capacity(used: 160)
        let g = AlertRules.Forecasts.compute(data: filling(), metadata: UsageTrend(), capacity: open, now: 60, minSamples: 5)
        #expect(abs(g.dataSecondsToFull! - 840) < 0.001)
    }

    @Test func dockerRefusesBeforeTheSpaceRunsOut() throws {
        // 10%: docker refuses once fewer than 100 blocks are free, i.e. past 900 used.
        let c = try capacity(used: 160)
        let f = AlertRules.Forecasts.compute(data: filling(), metadata: UsageTrend(), capacity: c, now: 60, minSamples: 5)
        #expect(abs(f.dockerRefusesSeconds! - 741) < 0.001, "901 blocks used is the first refusal: 741 s from 160")
        let never = try capacity(used: 160, percent: 0)
        #expect(
            AlertRules.Forecasts.compute(data: filling(), metadata: UsageTrend(), capacity: never, now: 60, minSamples: 5)
                .dockerRefusesSeconds == nil)
    }

    /// Metadata grows with the data mapped: projected from data's growth before its own trend
    /// says anything, and named when it runs out first.
    @Test func metadataProjectedFromDataGrowth() throws {
        // Metadata 900 of 1000 4 KiB blocks used while data uses 160 blocks: 23,040 metadata
        // bytes per data block; 100 metadata blocks left go in 17.8 data blocks, 17.8 s.
        let c = try capacity(used: 160, metaUsed: 900)
        let f = AlertRules.Forecasts.compute(data: filling(), metadata: UsageTrend(), capacity: c, now: 60, minSamples: 5)
        let expected = Double(100 * 4096) / (65536 * (900.0 * 4096 / (160 * 65536)))
        #expect(abs(f.metadataSecondsToFullByData! - expected) < 0.001)
        #expect(f.metadataSecondsToFull == nil && f.metadataSoonest == f.metadataSecondsToFullByData)
        var e = AlertEngine()
        let ev = e.evaluate(
            sampleReading(used: 160, metaUsed: 900), policy: PoolPolicy(), forecasts: f, now: Date(timeIntervalSince1970: 0))
        let meta = try #require(ev.first { $0.alert.key.name == .metadataFullSoon })
        #expect(meta.alert.summary.hasSuffix("before data"))
        #expect(meta.alert.description.hasPrefix("Projected from data's growth"))
    }
}

/// A pool out of data space queueing writes: the alert says whose writes fail and when.
@Suite struct OutOfSpaceAlertTests {
    func reading(_ o: OutOfSpace?) -> PoolReading {
        var r = sampleReading(used: 1000, mode: "out_of_data_space")
        r.pool?.outOfSpace = o
        return r
    }

    func summary(_ o: OutOfSpace?, now: Double = 1000) -> String? {
        var e = AlertEngine()
        return e.evaluate(reading(o), policy: PoolPolicy(), now: Date(timeIntervalSince1970: now))
            .first { $0.alert.key.name == .outOfDataSpace }?.alert.summary
    }

    @Test func theWritersAndTheTimeLeft() {
        let db = VolumeOwner(kind: .dockerContainer, containerID: "3f2a1b9c0d1e77", containerName: "db")
        let o = OutOfSpace(
            since: 977, timeoutSeconds: 60,
            writers: [QueuedWriter(device: "docker-1-2-3", owner: db, writes: 5), QueuedWriter(device: "t7", owner: nil, writes: 1)])
        #expect(o.deadline == 1037)
        #expect(
            summary(o) == "pool p is out of data space: writes to container db (3f2a1b9c0d1e) and t7 fail in 37s (no_space_timeout 60 s)")
        #expect(
            summary(OutOfSpace(since: 0, timeoutSeconds: 0, writers: []))
                == "pool p is out of data space: writes to it are queued until space comes (no_space_timeout 0)")
        #expect(summary(nil) == "pool p is out of data space: writes are queued (they fail after no_space_timeout)")
    }
}

/// ThinPoolDevicesStuck: a suspended device, an inactive table or a deferred removal once it
/// has lasted `stuck_after`; a failed thin volume at once, critical.
@Suite struct StuckAlertTests {
    func alert(_ stuck: [StuckDevice], now: Double, after: Duration? = .seconds(60)) -> (Severity, String)? {
        var r = sampleReading(used: 100)
        r.pool?.stuck = stuck
        var policy = PoolPolicy()
        policy.alerts.stuckAfter = after
        var e = AlertEngine()
        return e.evaluate(r, policy: policy, now: Date(timeIntervalSince1970: now))
            .first { $0.alert.key.name == .devicesStuck }.map { ($0.alert.severity, $0.alert.summary) }
    }

    @Test func afterAMinuteAWarningAFailedVolumeAtOnce() {
        let suspended = StuckDevice(device: "db", state: .suspended, since: 1000)
        #expect(alert([suspended], now: 1059) == nil, "not yet a minute")
        #expect(alert([suspended], now: 1065).map(\.0) == .warning)
        #expect(alert([suspended], now: 1065).map(\.1) == "thin volume db is suspended (its I/O waits) for 65s")
        let failed = StuckDevice(device: "web", state: .failed, since: 1064)
        #expect(alert([failed], now: 1065).map(\.0) == .critical)
        let table = StuckDevice(device: "p", state: .inactiveTable, since: 0)
        #expect(
            alert([table, suspended, failed], now: 1065).map(\.1)
                == "pool p has an inactive table loaded and not resumed for 17m; thin volume db is suspended (its I/O waits) for 65s; thin volume web has failed (every I/O to it errors)"
        )
        #expect(alert([suspended, failed], now: 5000, after: nil) == nil, "stuck_after: off")
    }
}
