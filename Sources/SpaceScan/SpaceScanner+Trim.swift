import SystemIO
import ThinPoolCore

/// Autoextend's trim-first: what a trim of a pool's mounted volumes would free, and the trim.
extension SpaceScanner: PoolTrimmer {
    public func reclaimable(pool: String) -> UInt64? {
        let t = now()
        if let recent = state.withLock({ s in s.lastScan[pool].flatMap { t - $0 < 5 ? s.pools[pool] : nil } }) {
            return recent.reclaimableBytes
        }
        guard let report = try? reader.read(), let found = report.pools.first(where: { $0.name == pool })?.pool else { return nil }
        let mounts = (try? currentMounts()).map { MountEntry.mountPoints($0) } ?? [:]
        return scan(found, mounts: mounts).reclaimableBytes
    }

    public func trim(pool: String, minimum: UInt64, interval: Double) -> TrimResult {
        let volumes = state.withLock { $0.volumes[pool] ?? [:] }
        var result = TrimResult()
        for (device, space) in volumes.sorted(by: { $0.key < $1.key }) {
            guard let mountPoint = space.mountPoint, (space.reclaimableBytes ?? 0) > 0 else { continue }
            let t = now()
            let recent = state.withLock { s in s.lastTrim[device].map { t - $0 < interval } ?? false }
            if recent {
                result.skipped[device] = "trimmed less than \(Int(interval)) s ago"
                continue
            }
            do {
                let said = try trimFilesystem(mountPoint, minimum: minimum)
                state.update { s in
                    s.lastTrim[device] = t
                    s.stats.trims[pool, default: 0] += 1
                }
                result.trimmed.append(device)
                logger.notice(
                    "trimmed a thin volume's filesystem",
                    metadata: ["pool": "\(pool)", "device": "\(device)", "mount": "\(mountPoint)", "filesystem_trimmed_bytes": "\(said)"])
            } catch {
                result.skipped[device] = "FITRIM failed: \(error)"
                logger.warning("cannot trim", metadata: ["pool": "\(pool)", "device": "\(device)", "error": "\(error)"])
            }
        }
        return result
    }
}
