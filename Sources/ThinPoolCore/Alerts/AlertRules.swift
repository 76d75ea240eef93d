/// The rules: given one pool's reading, its policy, its forecasts and the severities its alerts
/// have now (for hysteresis), which alerts should be firing. Pure.
public enum AlertRules {
    /// What the trends of one pool predict, in seconds from now (nil: not filling).
    public struct Forecasts: Sendable, Equatable {
        /// Until no data space is available -- docker's Available, which a loop file's
        /// filesystem caps: writes fail then, whatever the pool's size says.
        public var dataSecondsToFull: Double?
        /// Until no metadata space is available (capped the same way).
        public var metadataSecondsToFull: Double?
        /// Until docker refuses new containers and layers (free data below its minimum free
        /// space); nil when dm.min_free_space is 0.
        public var dockerRefusesSeconds: Double?
        /// Metadata's time to full projected from data's growth (metadata grows with the data
        /// blocks mapped): warns before metadata's own trend has samples enough.
        public var metadataSecondsToFullByData: Double?

        public init(
            dataSecondsToFull: Double? = nil, metadataSecondsToFull: Double? = nil, dockerRefusesSeconds: Double? = nil,
            metadataSecondsToFullByData: Double? = nil
        ) {
            self.dataSecondsToFull = dataSecondsToFull
            self.metadataSecondsToFull = metadataSecondsToFull
            self.dockerRefusesSeconds = dockerRefusesSeconds
            self.metadataSecondsToFullByData = metadataSecondsToFullByData
        }

        /// From a pool's data and metadata trends and its capacity now.
        /// `docker`: docker may use the pool (``ThinPool/dockerMayUse``); else no docker forecast.
        public static func compute(
            data: UsageTrend, metadata: UsageTrend, capacity c: PoolCapacity, now: Double, minSamples: Int, docker: Bool = true
        ) -> Forecasts {
            let dataLimit = Double(c.data.used.rawValue) + Double(c.data.available.rawValue)
            let metaLimit = Double(c.metadata.used.rawValue) + Double(c.metadata.available.rawValue)
            var f = Forecasts(
                dataSecondsToFull: data.secondsUntil(dataLimit, now: now, minSamples: minSamples),
                metadataSecondsToFull: metadata.secondsUntil(metaLimit, now: now, minSamples: minSamples))
            if docker, c.minFreeDataBlocks > 0, c.data.totalBlocks > c.minFreeDataBlocks {
                // Docker refuses once free blocks < minFreeDataBlocks: used > total - that.
                let refuseAt = Double(c.data.totalBlocks - c.minFreeDataBlocks + 1) * Double(c.blockSize.rawValue)
                f.dockerRefusesSeconds = data.secondsUntil(refuseAt, now: now, minSamples: minSamples)
            }
            if let slope = data.slope(minSamples: minSamples), slope > 1.0 / 60, c.data.used.rawValue > 0 {
                let metaPerData = Double(c.metadata.used.rawValue) / Double(c.data.used.rawValue)
                f.metadataSecondsToFullByData = Double(c.metadata.available.rawValue) / (slope * metaPerData)
            }
            return f
        }

        /// Metadata's sooner forecast, by its own trend or by data's growth.
        public var metadataSoonest: Double? {
            switch (metadataSecondsToFull, metadataSecondsToFullByData) {
            case (let a?, let b?): return min(a, b)
            case (let a, let b): return a ?? b
            }
        }
    }

    /// `now` (unix seconds) turns a deadline into time left; without it the texts say none.
    public static func evaluate(
        _ r: PoolReading, policy: PoolPolicy, forecasts: Forecasts = Forecasts(), now: Double? = nil,
        current: (AlertName) -> Severity?
    ) -> [AlertName: Condition] {
        let a = policy.alerts
        var out: [AlertName: Condition] = [:]
        let pool = r.name
        guard let s = r.pool else {
            out[.unreadable] = Condition(
                severity: .warning, summary: "pool \(pool) cannot be read: \(r.error.map { "\($0)" } ?? "unknown error")",
                description: "thinpool-exporter could not read or parse this pool's table or status, so no other alert about it can fire.",
                value: nil)
            return out
        }
        switch s.mode {
        case .fail?:
            if a.fail {
                out[.failed] = Condition(
                    severity: .critical, summary: "pool \(pool) has failed (status Fail): its I/O errors",
                    description:
                        "The thin-pool target switched to fail mode; every container on it stalls or fails. It needs repair with thin_check/thin_repair.",
                    value: nil)
            }
        case .error?:
            if a.fail {
                out[.failed] = Condition(
                    severity: .critical, summary: "pool \(pool) reports Error: the kernel cannot read its counters",
                    description: "The thin-pool status could not be computed by the kernel; the pool is likely failing.", value: nil)
            }
        case .outOfDataSpace?:
            if a.outOfDataSpace {
                var policyText = s.noSpacePolicy == .queue ? "writes are queued (they fail after no_space_timeout)" : "writes fail"
                var left: Double?
                if let o = s.outOfSpace {
                    let who = o.writers.isEmpty ? "it" : writersText(o.writers)
                    if let deadline = o.deadline, let now {
                        left = max(0, deadline - now)
                        policyText = "writes to \(who) fail in \(DurationText.short(left!)) (no_space_timeout \(o.timeoutSeconds!) s)"
                    } else if o.timeoutSeconds == 0 {
                        policyText = "writes to \(who) are queued until space comes (no_space_timeout 0)"
                    } else if !o.writers.isEmpty {
                        policyText = "writes to \(who) are queued (they fail after no_space_timeout)"
                    }
                }
                out[.outOfDataSpace] = Condition(
                    severity: .critical, summary: "pool \(pool) is out of data space: \(policyText)",
                    description: "The pool has no free data blocks. Extend its data device and reload the pool, or free space.", value: left
                )
            }
        case .readOnly?:
            if a.readOnly {
                out[.readOnly] = Condition(
                    severity: .critical, summary: "pool \(pool) is read-only",
                    description: "The pool switched to read-only mode (metadata space exhausted or a metadata I/O error); writes fail.",
                    value: nil)
            }
        default: break
        }
        if a.needsCheck, s.needsCheck == true {
            out[.needsCheck] = Condition(
                severity: .critical, summary: "pool \(pool) needs a metadata check (needs_check)",
                description: "The metadata must be checked offline with thin_check (and repaired) before the pool can be written again.",
                value: nil)
        }
        if let after = a.stuckAfter?.components.seconds, let now {
            // Failed volumes at once; the other states once they have lasted.
            let long = s.stuck.filter { $0.state == .failed || now - ($0.since ?? now) >= Double(after) }
            if !long.isEmpty {
                let failed = long.contains { $0.state == .failed }
                let said = long.prefix(3).map { d in
                    d.state == .failed
                        ? d.describe(pool: pool) : "\(d.describe(pool: pool)) for \(DurationText.short(now - (d.since ?? now)))"
                }
                out[.devicesStuck] = Condition(
                    severity: failed ? .critical : .warning,
                    summary: said.joined(separator: "; ") + (long.count > 3 ? "; and \(long.count - 3) more" : ""),
                    description:
                        "A suspended device holds every I/O to it until resumed (dmsetup resume); an inactive table waits for a resume or dmsetup clear; a deferred removal waits for the device's last user; a failed thin volume errors every I/O (its pool failed).",
                    value: Double(long.count))
            }
        }
        if a.lvmRefusesNewVolumes, let l = s.lvmRefusal, l.refuses, let lvm = s.owner?.lvm {
            out[.lvmRefusesNewVolumes] = Condition(
                severity: .critical, summary: "pool \(pool): lvcreate refuses new thin volumes in \(lvm) now: \(l.reasons)",
                description:
                    "lvm2 will not create a thin volume (a VM disk, a container, a snapshot) in this pool: \"Cannot create new thin volume, free space in thin pool \(lvm) reached threshold.\" Extend the pool (lvextend, or --poolmetadatasize for metadata), free space, or raise activation/thin_pool_autoextend_threshold.",
                value: nil)
        }
        guard let c = r.capacity else { return out }
        let h: (Bytes) -> String = DockerUnits.humanSize
        let docker = s.dockerMayUse
        let dockerMin = "docker's minimum free space \(h(c.minFreeSpace))"
        let minFree = docker ? ", " + dockerMin : ""

        if let sev = ratioSeverity(c.data.usedRatio, a.dataUsed, current(.dataUsage)) {
            out[.dataUsage] = Condition(
                severity: sev,
                summary: "pool \(pool) data \(percent(c.data.usedRatio)) used, \(h(c.data.available)) available\(minFree)",
                description: "Data space: \(h(c.data.used)) of \(h(c.data.total)) used.", value: c.data.usedRatio)
        }
        if let sev = ratioSeverity(c.metadata.usedRatio, a.metadataUsed, current(.metadataUsage)) {
            out[.metadataUsage] = Condition(
                severity: sev,
                summary: "pool \(pool) metadata \(percent(c.metadata.usedRatio)) used, \(h(c.metadata.available)) available",
                description:
                    "Metadata space: \(h(c.metadata.used)) of \(h(c.metadata.total)) used. Running out of metadata turns the pool read-only and needs offline repair.",
                value: c.metadata.usedRatio)
        }
        if let margin = a.minFreeSpaceMargin, docker {
            let total = Double(c.data.total.rawValue)
            let free = Double(c.data.available.rawValue)
            let line = Double(c.minFreeSpace.rawValue) + margin * total
            let resolveLine = line + (current(.nearMinFreeSpace) != nil ? a.dataUsed.hysteresis * total : 0)
            if c.dockerRefuses {
                let which = c.dockerRefusesData ? "data" : "metadata"
                out[.nearMinFreeSpace] = Condition(
                    severity: .critical,
                    summary:
                        "pool \(pool): docker refuses new containers now (free \(which) below its minimum), \(h(c.data.available)) available, \(dockerMin)",
                    description:
                        "Free \(which) blocks are below max(1, total x dm.min_free_space / 100): docker will not create containers or image layers.",
                    value: free)
            } else if free < resolveLine {
                out[.nearMinFreeSpace] = Condition(
                    severity: .warning,
                    summary: "pool \(pool) data \(h(c.data.available)) available, close to \(dockerMin)",
                    description: "Docker refuses new containers once free data space falls below its minimum free space.", value: free)
            }
        }
        if a.lowWater, c.atLowWaterMark, s.table.lowWaterMark.rawValue > 0, s.mode != .outOfDataSpace {
            out[.lowWaterMark] = Condition(
                severity: .warning,
                summary:
                    "pool \(pool) reached its low water mark: \(c.data.freeBlocks) free data blocks (\(h(c.data.available))) <= \(s.table.lowWaterMark.rawValue)",
                description: "The kernel raises a dm event when free data space falls to the table's low water mark.",
                value: Double(c.data.freeBlocks))
        }
        let ttf = a.timeToFull
        let metaFirst = forecasts.metadataSoonest.map { m in forecasts.dataSecondsToFull.map { m < $0 } ?? true } ?? false
        if let secs = forecasts.dataSecondsToFull, let sev = forecastSeverity(secs, ttf) {
            let capped = c.data.availableLimitedByBacking ? " (its loop file's filesystem fills first)" : ""
            out[.dataFullSoon] = Condition(
                severity: sev,
                summary:
                    "pool \(pool) data space runs out in \(DurationText.short(secs)) at the current rate\(capped) (\(h(c.data.available)) available)",
                description:
                    "A linear fit of used data space over the last \(DurationText.short(ttf.window.seconds)), against the space available as docker counts it"
                    + (forecasts.dockerRefusesSeconds.map { "; docker refuses new containers in \(DurationText.short($0))" } ?? "")
                    + (metaFirst ? "; metadata runs out before data" : "") + ".",
                value: secs)
        }
        if let secs = forecasts.metadataSoonest, let sev = forecastSeverity(secs, ttf) {
            let byData = forecasts.metadataSecondsToFullByData == secs
            out[.metadataFullSoon] = Condition(
                severity: sev,
                summary:
                    "pool \(pool) metadata runs out in \(DurationText.short(secs)) at the current rate (\(percent(c.metadata.usedRatio)) used)"
                    + (metaFirst ? ", before data" : ""),
                description: byData
                    ? "Projected from data's growth over the last \(DurationText.short(ttf.window.seconds)): metadata grows with the data blocks mapped."
                    : "A linear fit of used metadata space over the last \(DurationText.short(ttf.window.seconds)).",
                value: secs)
        }
        return out
    }

    /// The severity for a used ratio: fires at a threshold; once firing, holds until the value
    /// falls `hysteresis` below the threshold of the severity it has.
    public static func ratioSeverity(_ value: Double, _ rule: RatioRule, _ current: Severity?) -> Severity? {
        func reached(_ threshold: Double?, holding: Bool) -> Bool {
            guard let t = threshold else { return false }
            return value >= (holding ? t - rule.hysteresis : t)
        }
        if reached(rule.critical, holding: current == .critical) { return .critical }
        if reached(rule.warning, holding: current != nil) { return .warning }
        return nil
    }

    static func forecastSeverity(_ seconds: Double, _ rule: ForecastRule) -> Severity? {
        if let c = rule.critical, seconds < c.seconds { return .critical }
        if let w = rule.warning, seconds < w.seconds { return .warning }
        return nil
    }

    static func percent(_ ratio: Double) -> String {
        let tenths = (ratio * 1000).rounded()
        return "\(Int(tenths) / 10).\(Int(tenths) % 10)%"
    }

    /// "container db", "container db and LV vg/x", "t0, t1, t2 and 4 more".
    static func writersText(_ writers: [QueuedWriter]) -> String {
        let names = writers.prefix(3).map(\.displayName)
        let more = writers.count - names.count
        if more > 0 { return names.joined(separator: ", ") + " and \(more) more" }
        if names.count <= 2 { return names.joined(separator: " and ") }
        return names.dropLast().joined(separator: ", ") + " and " + names.last!
    }
}
