import ThinPoolCore

/// Every reading carries the pool's latest findings, and every thin volume its own.
extension SpaceScanner: PoolAnnotator {
    public func annotate(_ pools: inout [ThinPool]) {
        let (spaces, volumes) = state.withLock { ($0.pools, $0.volumes) }
        for i in pools.indices {
            pools[i].space = spaces[pools[i].name]
            guard let v = volumes[pools[i].name] else { continue }
            for j in pools[i].thinVolumes.indices { pools[i].thinVolumes[j].space = v[pools[i].thinVolumes[j].name] }
        }
    }

    public func annotate(pool: inout ThinPool) {
        pool.space = state.withLock { $0.pools[pool.name] }
    }
}
