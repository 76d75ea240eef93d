import SystemIO
import ThinPoolCore

extension PoolReader {
    // MARK: - Stuck devices

    /// Every pool's and thin volume's stuck states, with since when; forgets what ended.
    func markStuck(_ pools: inout [ThinPool]) {
        let t = now()
        state.withLock { s in
            var since: [String: [StuckDevice.State: Double]] = [:]
            s.stuckVolumes = [:]
            for i in pools.indices {
                pools[i].stuck = pools[i].stuckStates.map { device, st in
                    let first = s.stuckSince[device]?[st] ?? t
                    since[device, default: [:]][st] = first
                    return StuckDevice(device: device, state: st, since: keepsHistory ? first : nil)
                }
                let volumes = pools[i].stuck.filter { $0.device != pools[i].name }
                if !volumes.isEmpty { s.stuckVolumes[pools[i].name] = volumes }
            }
            s.stuckSince = since
        }
    }

    /// A pool re-read alone: its own states now, its thin volumes' as the last full read found.
    func markStuck(pool: inout ThinPool) {
        let name = pool.name
        let own = pool.stuckStates
        pool.stuck = state.withLock { s in
            // The common case, nothing stuck: no bookkeeping.
            if own.isEmpty && s.stuckVolumes.isEmpty && s.stuckSince.isEmpty { return [] }
            let t = now()
            let volumes = s.stuckVolumes[name] ?? []
            var mine: [StuckDevice] = []
            var since: [StuckDevice.State: Double] = [:]
            for (device, st) in own {
                let first = s.stuckSince[name]?[st] ?? t
                since[st] = first
                mine.append(StuckDevice(device: device, state: st, since: keepsHistory ? first : nil))
            }
            s.stuckSince[name] = since.isEmpty ? nil : since
            return mine + volumes
        }
    }
}
