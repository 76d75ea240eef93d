import TestSupport
import Testing
import ThinPoolCore

/// trim_first's decision as a value: a trim that brings the pool under its threshold is all
/// that happens; one that does not leaves the pool to grow by only what is still missing.
@Suite struct TrimPlanTests {
    /// 1000 data blocks of 64 KiB; threshold 80%.
    func policy() -> AutoextendPolicy {
        var p = AutoextendPolicy()
        p.enabled = true
        p.data.threshold = 0.8
        return p
    }

    @Test func aTrimUnderTheThresholdIsEnough() {
        let plan = TrimPlan.after(
            trimmed: ["db", "web"], before: sampleReading(used: 900), after: sampleReading(used: 600), policy: policy())
        #expect(
            plan
                == .enough(
                    freedBytes: 300 * 65536,
                    message: "pool p: trimmed db, web: 19.66MB freed in the pool, now 60.0% used (threshold 80.0%): not grown"))
    }

    @Test func aTrimStillOverGrowsByWhatIsMissing() {
        let after = sampleReading(used: 850)
        guard
            case .grow(let missing, let note) = TrimPlan.after(
                trimmed: ["db"], before: sampleReading(used: 900), after: after, policy: policy())
        else {
            Issue.record("not grown")
            return
        }
        #expect(missing == ExtendPlanner.missing(.data, reading: after, policy: policy()))
        #expect(missing > 0)
        #expect(note == " after a trim (trimmed db: 3.277MB freed in the pool), by what was still missing")
    }

    @Test func aPoolOutOfDataSpaceGrowsWhateverTheTrimFreed() {
        let after = sampleReading(used: 100, mode: "out_of_data_space")
        guard case .grow = TrimPlan.after(trimmed: ["db"], before: sampleReading(used: 1000), after: after, policy: policy()) else {
            Issue.record("a pool out of data space was not grown")
            return
        }
    }

    @Test func nothingTrimmedOrNoCountersIsNoDecision() {
        #expect(TrimPlan.after(trimmed: [], before: sampleReading(used: 900), after: sampleReading(used: 600), policy: policy()) == nil)
        #expect(
            TrimPlan.after(trimmed: ["db"], before: sampleReading(used: 900), after: sampleReading(used: 0, fail: true), policy: policy())
                == nil)
    }
}
