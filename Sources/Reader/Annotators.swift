import SystemIO
import ThinPoolCore

/// Several annotators, one after another (what uses the pools, then what the space scan found).
public struct Annotators: PoolAnnotator {
    public let all: [any PoolAnnotator]

    public init(_ all: [any PoolAnnotator]) { self.all = all }

    public func annotate(_ pools: inout [ThinPool]) {
        for a in all { a.annotate(&pools) }
    }

    public func annotate(pool: inout ThinPool) {
        for a in all { a.annotate(pool: &pool) }
    }
}

/// An annotator set after the reader is made: for one that reads through that reader itself
/// (the space scanner).
public final class AnnotatorSlot: PoolAnnotator, Sendable {
    private let slot = Locked<(any PoolAnnotator)?>(nil)

    public init() {}

    public func set(_ annotator: any PoolAnnotator) { slot.withLock { $0 = annotator } }

    public func annotate(_ pools: inout [ThinPool]) { slot.withLock { $0 }?.annotate(&pools) }
    public func annotate(pool: inout ThinPool) { slot.withLock { $0 }?.annotate(pool: &pool) }
}
