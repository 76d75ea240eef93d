import AgentConfig
import Foundation
import TestSupport
import Testing
import ThinPool

@testable import Planning

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
        #expect(ev.first { $0.alert.key.name == .dataFullSoon }?.alert.summary.contains("predicted full in 30m") == true)
    }
}
