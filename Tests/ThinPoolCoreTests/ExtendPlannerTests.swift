import Foundation
import TestSupport
import Testing

@testable import ThinPoolCore

/// The pure planner: policy + reading + room + history + now -> action or refusal.
@Suite struct ExtendPlannerTests {
    static let mebibyte: UInt64 = 1 << 20
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// A pool of 1000 data blocks of 64 KiB (65.5MB) and 1000 metadata blocks (4 MiB), low
    /// water mark 100 blocks.
    static func reading(
        used: UInt64, metaUsed: UInt64 = 100, mode: String = "rw", needsCheck: Bool = false,
        fail: Bool = false, uuid: String? = nil
    ) -> PoolReading {
        sampleReading(used: used, metaUsed: metaUsed, mode: mode, needsCheck: needsCheck, lwm: 100, fail: fail, uuid: uuid)
    }

    static let plenty = BackingRoom(available: 100 << 30, granularity: 65536, description: "the filesystem holding /data")

    func policy(_ change: (inout AutoextendPolicy) -> Void = { _ in }) -> AutoextendPolicy {
        var p = AutoextendPolicy()
        p.enabled = true
        p.data.minHeadroom = 10 * Self.mebibyte
        change(&p)
        return p
    }

    func plan(
        _ r: PoolReading, _ p: AutoextendPolicy, room: BackingRoom? = plenty, history: ExtendHistory = ExtendHistory(),
        at: Double = 0, kind: SpaceKind = .data, override: AutoextendPolicy.Step? = nil
    ) -> ExtendPlan {
        ExtendPlanner.plan(kind, reading: r, policy: p, room: room, history: history, now: t0.addingTimeInterval(at), override: override)
    }

    /// An LVM pool that LVM's dmeventd extends by itself is left to it (unless the operator
    /// says otherwise, or asks by hand); a pool LVM does not extend is the agent's.
    @Test func aPoolDmeventdExtendsIsLeftToIt() {
        var r = Self.reading(used: 900, uuid: "LVM-x-tpool")
        var owner = PoolOwner(kind: .lvm, lvm: LVMName(vg: "vg0", lv: "pool"))
        owner.lvmAutoextend = LVMAutoextend(monitored: true, threshold: 70, percent: 20)
        r.pool?.owner = owner
        #expect(
            plan(r, policy())
                == .leave(
                    reason:
                        "data 90.0% used (threshold 80.0%), but LVM extends this pool itself: dmeventd extends it past 70% by 20% (thin_pool_autoextend_threshold 70, _percent 20); left to it (autoextend leave_to_dmeventd)"
                ))
        #expect(plan(Self.reading(used: 700, uuid: "LVM-x-tpool"), policy()) == .nothing, "below our threshold: nothing to say")
        if case .extend = plan(r, policy { $0.leaveToDmeventd = false }) {} else { Issue.record("leave_to_dmeventd: false extends") }
        if case .extend = plan(r, policy(), override: .fraction(0.2)) {} else { Issue.record("by hand, the step is explicit") }
        owner.lvmAutoextend?.monitored = false
        r.pool?.owner = owner
        if case .extend = plan(r, policy()) {} else { Issue.record("not monitored: LVM will not act") }
    }

    @Test func belowTheThresholdNothing() {
        #expect(plan(Self.reading(used: 799), policy()) == .nothing)
    }

    @Test func autoStepGetsTenPointsUnderTheThresholdAndAtLeastTwentyPercent() {
        // 80% used: +20% (1200 blocks = 78.6MB) gives 66.7%, under 70%: the 20% wins.
        guard case .extend(let from, let to, let why) = plan(Self.reading(used: 800), policy()) else {
            Issue.record("no extend")
            return
        }
        #expect(from == 65_536_000)
        #expect(to == 78_643_200)
        #expect(why == "data 80.0% used (threshold 80.0%)")
        // 99% used: 990 blocks / 70% = 1415 blocks (rounded up to whole blocks).
        guard case .extend(_, let to99, _) = plan(Self.reading(used: 990), policy()) else {
            Issue.record("no extend")
            return
        }
        #expect(to99 == 1415 * 65536)
    }

    @Test func fixedSteps() {
        guard case .extend(_, let a, _) = plan(Self.reading(used: 900), policy { $0.data.step = .fraction(0.5) }) else {
            Issue.record("")
            return
        }
        #expect(a == 98_304_000)
        guard case .extend(_, let b, _) = plan(Self.reading(used: 900), policy { $0.data.step = .bytes(1_000_000) }) else {
            Issue.record("")
            return
        }
        #expect(b == 65_536_000 + 1_048_576, "rounded up to a whole 64 KiB block")
    }

    @Test func outOfDataSpaceActsWhateverTheThreshold() {
        guard case .extend(_, _, let why) = plan(Self.reading(used: 1000, mode: "out_of_data_space"), policy { $0.data.threshold = 0.99 })
        else {
            Issue.record("no extend")
            return
        }
        #expect(why == "out of data space")
    }

    @Test func neverInFailOrNeedsCheck() {
        #expect(plan(Self.reading(used: 0, fail: true), policy()) == .nothing)
        #expect(
            plan(Self.reading(used: 0, fail: true), policy(), override: .auto)
                == .refuse(reason: "the pool is in fail mode: it needs repair, not space"))
        guard case .refuse(let why) = plan(Self.reading(used: 950, mode: "ro", needsCheck: true), policy()) else {
            Issue.record("")
            return
        }
        #expect(why.contains("needs_check is set"))
    }

    @Test func unknownBackingIsARefusal() {
        guard case .refuse(let why) = plan(Self.reading(used: 950), policy(), room: nil) else {
            Issue.record("")
            return
        }
        #expect(why.contains("cannot be told"))
    }

    @Test func maximumSize() {
        // Clamped to the maximum when it leaves a step...
        guard case .extend(_, let to, _) = plan(Self.reading(used: 950), policy { $0.data.maxSize = 70 * Self.mebibyte }) else {
            Issue.record("")
            return
        }
        #expect(to == 70 * Self.mebibyte)
        // ...refused at it.
        guard case .refuse(let why) = plan(Self.reading(used: 950), policy { $0.data.maxSize = 65_536_000 }) else {
            Issue.record("")
            return
        }
        #expect(why.contains("at its maximum size 65.54MB"))
    }

    @Test func headroomOnTheBackingStoreRefusesWithoutPartialGrowth() {
        let tight = BackingRoom(available: 20 * Self.mebibyte, granularity: 65536, description: "the filesystem holding /data")
        guard case .refuse(let why) = plan(Self.reading(used: 950), policy(), room: tight) else {
            Issue.record("not refused")
            return
        }
        #expect(
            why
                == "data 95.0% used (threshold 80.0%): growing 65.54MB to 89MB needs 23.46MB and 10.49MB of headroom, but the filesystem holding /data has 20.97MB"
        )
    }

    @Test func cooldownAndExponentialBackoffCapped() {
        let p = policy {
            $0.cooldown = .seconds(60)
            $0.backoffMax = .seconds(300)
        }
        var h = ExtendHistory()
        h.lastAction = t0
        guard case .wait = plan(Self.reading(used: 950), p, history: h, at: 59) else {
            Issue.record("no cooldown")
            return
        }
        guard case .extend = plan(Self.reading(used: 950), p, history: h, at: 60) else {
            Issue.record("cooldown too long")
            return
        }
        var f = ExtendHistory()
        f.lastFailure = t0
        for (failures, wait) in [(1, 60.0), (2, 120), (3, 240), (4, 300), (9, 300)] {
            f.failures = failures
            guard case .wait = plan(Self.reading(used: 950), p, history: f, at: wait - 1) else {
                Issue.record("\(failures): no backoff")
                continue
            }
            guard case .extend = plan(Self.reading(used: 950), p, history: f, at: wait) else {
                Issue.record("\(failures): backoff past \(wait)")
                continue
            }
        }
        // Out of data space: no cooldown (queued writes fail after no_space_timeout)...
        guard case .extend = plan(Self.reading(used: 1000, mode: "out_of_data_space"), p, history: h, at: 1) else {
            Issue.record("cooldown held a full pool")
            return
        }
        // ...but backoff after failures still holds.
        guard case .wait = plan(Self.reading(used: 1000, mode: "out_of_data_space"), p, history: f, at: 1) else {
            Issue.record("no backoff")
            return
        }
        // A step asked for by hand ignores cooldown.
        guard case .extend = plan(Self.reading(used: 100), p, history: h, at: 1, override: .fraction(0.1)) else {
            Issue.record("")
            return
        }
    }

    @Test func metadata() {
        let p = policy { $0.metadata.minHeadroom = 0 }
        #expect(plan(Self.reading(used: 0, metaUsed: 690), p, kind: .metadata) == .nothing)
        guard
            case .extend(let from, let to, _) = plan(
                Self.reading(used: 0, metaUsed: 700), p,
                room: BackingRoom(available: 1 << 30, granularity: 1 << 20, description: "x"),
                kind: .metadata)
        else {
            Issue.record("")
            return
        }
        #expect(from == 4_096_000)
        #expect(to == 5 * Self.mebibyte)  // 1.2 x 4MB, up to whole mebibyte
    }
}
