/// A pool out of data space that queues writes (queue_if_no_space): the kernel holds them until
/// space comes, or fails them all when dm-thin-pool's no_space_timeout has passed since the pool
/// ran out -- the countdown an operator has to act in.
public struct OutOfSpace: Hashable, Sendable {
    /// When a reading first found the pool out of data space (unix seconds): the kernel started
    /// its timer then, give or take that reading's delay (milliseconds for the watcher, which
    /// the mode change wakes).
    public var since: Double
    /// no_space_timeout in seconds; 0: writes are queued forever; nil: not known.
    public var timeoutSeconds: UInt64?
    /// The thin volumes being written to -- writes in flight, or processes blocked holding
    /// them -- most first.
    public var writers: [QueuedWriter]

    public init(since: Double, timeoutSeconds: UInt64?, writers: [QueuedWriter]) {
        self.since = since
        self.timeoutSeconds = timeoutSeconds
        self.writers = writers
    }

    /// When the kernel fails the queued writes (unix seconds); nil when it never does or the
    /// timeout is not known.
    public var deadline: Double? {
        guard let t = timeoutSeconds, t > 0 else { return nil }
        return since + Double(t)
    }
}

/// A thin volume with writes waiting on a pool out of data space.
public struct QueuedWriter: Hashable, Sendable {
    public var device: String
    public var owner: VolumeOwner?
    /// Writes in flight (the device's sysfs `inflight`). Linux 6.1 leaves it at 0 for the
    /// writes a pool out of data space holds, so `processes` is what finds the writers there.
    public var writes: UInt64
    /// Processes blocked in I/O (state D) that hold the volume, or a file on it, open:
    /// "dd[812]".
    public var processes: [String]

    public init(device: String, owner: VolumeOwner?, writes: UInt64, processes: [String] = []) {
        self.device = device
        self.owner = owner
        self.writes = writes
        self.processes = processes
    }

    /// "container db", "LV vg/data", or the device's name.
    public var displayName: String { owner?.displayName ?? device }
}
