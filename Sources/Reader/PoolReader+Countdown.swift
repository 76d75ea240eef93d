import SystemIO
import ThinPoolCore

#if canImport(Glibc)
    import Glibc
#endif

extension PoolReader {
    // MARK: - Out of data space

    /// The countdown of a pool out of data space that queues writes: since when (kept across
    /// readings), the kernel's timeout, and which of `volumes` have writes in flight. Clears it
    /// for a pool that is not (any more).
    func markOutOfSpace(_ pool: inout ThinPool, volumes: () -> [ThinVolume]) {
        guard let probe = outOfSpaceProbe else { return }
        let queueing = pool.mode == .outOfDataSpace && pool.noSpacePolicy == .queue
        let since = state.withLock { s -> Double? in
            guard queueing else {
                if !s.outOfSpaceSince.isEmpty { s.outOfSpaceSince[pool.name] = nil }
                return nil
            }
            if let since = s.outOfSpaceSince[pool.name] { return since }
            let t = now()
            s.outOfSpaceSince[pool.name] = t
            return t
        }
        guard let since else {
            pool.outOfSpace = nil
            return
        }
        var writers: [QueuedWriter] = []
        let blocked = probe.blockedProcesses()
        for v in volumes() {
            guard let n = v.number else { continue }
            let w = QueuedWriter(device: v.name, owner: v.owner, writes: probe.inflightWrites(n) ?? 0, processes: blocked[n] ?? [])
            if w.writes > 0 || !w.processes.isEmpty { writers.append(w) }
        }
        writers.sort { (UInt64($0.processes.count) + $0.writes, $1.device) > (UInt64($1.processes.count) + $1.writes, $0.device) }
        pool.outOfSpace = OutOfSpace(since: since, timeoutSeconds: probe.noSpaceTimeout(), writers: writers)
    }

    /// The wall clock in unix seconds.
    public static let wallClock: @Sendable () -> Double = {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
