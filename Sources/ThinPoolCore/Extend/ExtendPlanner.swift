import Foundation

/// Pure: reading + policy + room + history + now in, plan out.
public enum ExtendPlanner {
    /// - Parameters:
    ///   - override: a step asked for explicitly (the `extend` command): acts even below the
    ///     threshold, ignores cooldown.
    public static func plan(
        _ kind: SpaceKind, reading r: PoolReading, policy: AutoextendPolicy, room: BackingRoom?,
        history: ExtendHistory, now: Date, override: AutoextendPolicy.Step? = nil
    ) -> ExtendPlan {
        gate(kind, reading: r, policy: policy, history: history, now: now, override: override)
            ?? size(kind, reading: r, policy: policy, room: room, override: override)
    }

    /// The decisions that need no I/O: below threshold, mode, needs_check, cooldown, backoff.
    /// nil: go on and measure the backing store, then ``size``.
    public static func gate(
        _ kind: SpaceKind, reading r: PoolReading, policy: AutoextendPolicy, history: ExtendHistory,
        now: Date, override: AutoextendPolicy.Step? = nil
    ) -> ExtendPlan? {
        let space = kind == .data ? policy.data : policy.metadata
        guard let s = r.pool else { return override == nil ? .nothing : .refuse(reason: "the pool cannot be read") }
        switch s.mode {
        case .fail?, .error?:
            return override == nil ? .nothing : .refuse(reason: "the pool is in \(s.mode!.rawValue) mode: it needs repair, not space")
        default: break
        }
        guard let c = r.capacity else { return .nothing }
        let sp = kind == .data ? c.data : c.metadata
        let full = kind == .data && s.mode == .outOfDataSpace
        let ratio = sp.usedRatio
        if override == nil, ratio < space.threshold, !full { return .nothing }
        let why = full ? "out of data space" : "\(kind.rawValue) \(percent(ratio)) used (threshold \(percent(space.threshold)))"
        if override == nil, policy.leaveToDmeventd, let lvm = s.owner?.lvmAutoextend, lvm.extendsItself {
            return .leave(reason: "\(why), but LVM extends this pool itself: \(lvm.description); left to it (autoextend leave_to_dmeventd)")
        }
        if s.needsCheck == true {
            return .refuse(reason: "\(why), but needs_check is set: the kernel refuses to resize until thin_check has run")
        }
        if override == nil {
            // Out of data space, writes are queued and fail after no_space_timeout: no cooldown.
            if !full, let last = history.lastAction, now < last.addingTimeInterval(seconds(policy.cooldown)) {
                return .wait(until: last.addingTimeInterval(seconds(policy.cooldown)), reason: "cooldown after the last extension")
            }
            if history.failures > 0, let failed = history.lastFailure {
                let backoff = min(seconds(policy.backoffMax), seconds(policy.cooldown) * pow(2, Double(history.failures - 1)))
                if now < failed.addingTimeInterval(backoff) {
                    return .wait(
                        until: failed.addingTimeInterval(backoff),
                        reason: "backing off after \(history.failures) failure\(history.failures == 1 ? "" : "s")")
                }
            }
        }
        return nil
    }

    /// How far to grow, within the maximum size and the headroom of the backing store.
    public static func size(
        _ kind: SpaceKind, reading r: PoolReading, policy: AutoextendPolicy, room: BackingRoom?,
        override: AutoextendPolicy.Step? = nil
    ) -> ExtendPlan {
        let space = kind == .data ? policy.data : policy.metadata
        guard let s = r.pool, let c = r.capacity else { return .nothing }
        let sp = kind == .data ? c.data : c.metadata
        let full = kind == .data && s.mode == .outOfDataSpace
        let why = full ? "out of data space" : "\(kind.rawValue) \(percent(sp.usedRatio)) used (threshold \(percent(space.threshold)))"
        let h: (UInt64) -> String = DockerUnits.humanSize
        guard let room else {
            return .refuse(reason: "\(why), but what backs the pool's \(kind.rawValue) cannot be told (no loop file, LVM or grown device)")
        }
        let total = sp.total.rawValue
        var target: Double
        switch override ?? space.step {
        case .auto:
            // Back 10 points under the threshold, and at least +20%.
            let aim = max(0.05, space.threshold - 0.10)
            target = max(Double(total) * 1.2, Double(sp.used.rawValue) / aim)
        case .fraction(let f): target = Double(total) * (1 + f)
        case .bytes(let b): target = Double(total) + Double(b)
        }
        var to = roundUp(UInt64(min(target, 1.8e19)), room.granularity)
        if let max = space.maxSize {
            if total >= max { return .refuse(reason: "\(why), but the \(kind.rawValue) is at its maximum size \(h(max))") }
            to = min(to, max - max % room.granularity)
            if to <= total { return .refuse(reason: "\(why), but the maximum size \(h(max)) leaves no room for a whole step") }
        }
        guard to > total else { return .nothing }
        let growth = to - total
        if let available = room.available {
            if available < growth &+ space.minHeadroom || growth &+ space.minHeadroom < growth {
                return .refuse(
                    reason:
                        "\(why): growing \(h(total)) to \(h(to)) needs \(h(growth)) and \(h(space.minHeadroom)) of headroom, but \(room.description) has \(h(available))"
                )
            }
        }
        return .extend(from: total, to: to, reason: why)
    }

    /// The growth of the data space that brings it under its threshold (0 when it is): what
    /// autoextend grows a pool by after a trim freed part of what it needed.
    public static func missing(_ kind: SpaceKind, reading r: PoolReading, policy: AutoextendPolicy) -> UInt64 {
        guard let c = r.capacity else { return 0 }
        let sp = kind == .data ? c.data : c.metadata
        let threshold = (kind == .data ? policy.data : policy.metadata).threshold
        let needed = UInt64((Double(sp.used.rawValue) / threshold).rounded(.up)) + 1
        return needed > sp.total.rawValue ? needed - sp.total.rawValue : 0
    }

    static func roundUp(_ v: UInt64, _ g: UInt64) -> UInt64 {
        let r = v % g
        return r == 0 ? v : v &+ (g - r)
    }

    static func seconds(_ d: Duration) -> Double {
        let (s, a) = d.components
        return Double(s) + Double(a) / 1e18
    }

    public static func percent(_ r: Double) -> String {
        let t = (r * 1000).rounded()
        return "\(Int(t) / 10).\(Int(t) % 10)%"
    }
}
