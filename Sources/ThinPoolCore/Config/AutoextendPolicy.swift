/// When and how far to grow a pool by itself. Off unless enabled.
public struct AutoextendPolicy: Sendable, Equatable {
    public enum Executor: String, Sendable, CaseIterable {
        /// Chosen from what backs the pool: LVM (uuid LVM-...), loop files, else dm-reload.
        case auto
        /// Grow the loop files, LOOP_SET_CAPACITY, reload the pool.
        case loop
        /// lvextend the thin pool LV (data) or its metadata.
        case lvm
        /// The device already grew (a resized disk): reload the pool to its size.
        case dmReload = "dm-reload"
    }

    public enum Step: Sendable, Equatable {
        /// Enough to get 10 points under the threshold, and at least +20%.
        case auto
        /// This fraction of the current size.
        case fraction(Double)
        case bytes(UInt64)
    }

    public struct Space: Sendable, Equatable {
        /// Used ratio at which to grow.
        public var threshold: Double
        public var step: Step = .auto
        /// Never grow beyond this size (nil: only the kernel's or LVM's limits).
        public var maxSize: UInt64?
        /// Leave at least this much free on the backing filesystem or volume group.
        public var minHeadroom: UInt64

        public init(threshold: Double, step: Step = .auto, maxSize: UInt64? = nil, minHeadroom: UInt64) {
            self.threshold = threshold
            self.step = step
            self.maxSize = maxSize
            self.minHeadroom = minHeadroom
        }
    }

    public var enabled = false
    /// Plan and log, change nothing.
    public var dryRun = false
    /// An LVM pool that LVM extends by itself (dmeventd monitors it, its autoextend threshold
    /// is below 100) is left to LVM: two extenders would each add a step.
    public var leaveToDmeventd = true
    public var executor = Executor.auto
    public var data = Space(threshold: 0.80, minHeadroom: 1 << 30)
    /// The kernel caps metadata at about 15.8 GiB.
    public var metadata = Space(threshold: 0.70, maxSize: 16_106_127_360, minHeadroom: 256 << 20)
    /// After an extension, the same space of the pool waits this long before another.
    public var cooldown: Duration = .seconds(300)
    /// After failures, waits double from the cooldown, up to this.
    public var backoffMax: Duration = .seconds(3600)
    /// Before growing a pool's data, trim the filesystems of its mounted thin volumes when the
    /// last space scan found what they would free; grow only by what is still missing.
    public var trimFirst = false
    /// A volume is trimmed at most once in this time.
    public var trimInterval: Duration = .seconds(600)

    public init() {}
}
