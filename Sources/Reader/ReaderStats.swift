/// The reader's own counts, for the exporter's metrics.
public struct ReaderStats: Sendable, Equatable {
    /// Full reads made (each a LIST and a STATUS per pool and thin volume).
    public var fullReads: UInt64 = 0
    /// Callers served by a full read another caller made (they arrived while it waited to start).
    public var shared: UInt64 = 0

    public init(fullReads: UInt64 = 0, shared: UInt64 = 0) {
        self.fullReads = fullReads
        self.shared = shared
    }
}
