/// What a trim of a pool's volumes decided, before the pool grows (autoextend's `trim_first`).
public enum TrimPlan: Sendable, Equatable {
    /// The trim brought the pool under its data threshold (and it is not out of data space):
    /// not grown. `message` says what was freed and where the pool is now.
    case enough(freedBytes: UInt64, message: String)
    /// Still over: grow by what is missing (``ExtendPlanner/missing(_:reading:policy:)``, at
    /// least one byte), not by a whole step. `note` says what the trim did.
    case grow(missingBytes: UInt64, note: String)

    /// Decides from the readings before and after trimming `trimmed` volumes (by name).
    public static func after(
        trimmed: [String], before: PoolReading, after: PoolReading, policy: AutoextendPolicy
    ) -> TrimPlan? {
        guard !trimmed.isEmpty, let b = before.capacity, let c = after.capacity else { return nil }
        let freed = b.data.used.rawValue > c.data.used.rawValue ? b.data.used.rawValue - c.data.used.rawValue : 0
        let what = "trimmed \(trimmed.joined(separator: ", ")): \(DockerUnits.humanSize(freed)) freed in the pool"
        if c.data.usedRatio < policy.data.threshold, after.pool?.mode != .outOfDataSpace {
            let now = ExtendPlanner.percent(c.data.usedRatio)
            let threshold = ExtendPlanner.percent(policy.data.threshold)
            return .enough(freedBytes: freed, message: "pool \(after.name): \(what), now \(now) used (threshold \(threshold)): not grown")
        }
        return .grow(
            missingBytes: max(ExtendPlanner.missing(.data, reading: after, policy: policy), 1),
            note: " after a trim (\(what)), by what was still missing")
    }
}
