import Foundation

/// The decision for one pool's data or metadata.
public enum ExtendPlan: Sendable, Equatable {
    /// Below the threshold, or nothing to do.
    case nothing
    /// Over the threshold, but in cooldown or backing off after failures.
    case wait(until: Date, reason: String)
    /// Over the threshold and not allowed to act: the reason says why.
    case refuse(reason: String)
    /// Over the threshold, and someone else grows the pool: LVM's dmeventd.
    case leave(reason: String)
    /// Grow from `from` to `to` bytes.
    case extend(from: UInt64, to: UInt64, reason: String)
}
