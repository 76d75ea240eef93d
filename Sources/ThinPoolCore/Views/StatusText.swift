/// The human view of `thinpool-exporter status`. For a pool docker uses: first exactly the
/// lines `docker info` prints under "Storage Driver: devicemapper" (``DockerDriverStatus``:
/// same labels, order and value strings as the pool's docker), then ours -- the first of them
/// which docker's dialect this is, and why. For other pools: the same
/// numbers in docker's words and units, then ours.
public enum StatusText {
    public static func render(_ report: HostReading) -> String {
        if report.pools.isEmpty {
            return "No thin pools found (\(report.deviceCount) device-mapper device\(report.deviceCount == 1 ? "" : "s")).\n"
        }
        return report.pools.map { pool($0, versions: report.versions) }.joined(separator: "\n")
    }

    /// How many thin volumes "Top Space Users" lists.
    public static let topUsers = 5

    public static func pool(_ r: PoolReading, versions: DeviceMapperVersions = DeviceMapperVersions()) -> String {
        let s = r.pool
        let docker = s?.owner?.docker
        let h: (Bytes) -> String = DockerUnits.humanSize
        var lines: [(String, String)]
        if let dockerLines = DockerDriverStatus.pairs(r, versions: versions) {
            lines = dockerLines
        } else {
            lines = [("Pool Name", r.name)]
            if let c = r.capacity {
                lines.append(("Pool Blocksize", h(c.blockSize)))
            } else if let s {
                lines.append(("Pool Blocksize", s.table.blockSize.bytes.map { h($0) } ?? "?"))
            }
            if let s {
                lines.append(("Data Device", device(s.table.dataDevice, s.dataBacking)))
                lines.append(("Metadata Device", device(s.table.metadataDevice, s.metadataBacking)))
            }
            if let c = r.capacity {
                lines += [
                    ("Data Space Used", h(c.data.used)),
                    ("Data Space Total", h(c.data.total)),
                    ("Data Space Available", h(c.data.available)),
                    ("Metadata Space Used", h(c.metadata.used)),
                    ("Metadata Space Total", h(c.metadata.total)),
                    ("Metadata Space Available", h(c.metadata.available)),
                ]
                if r.dockerMayUse { lines.append(("Thin Pool Minimum Free Space", h(c.minFreeSpace))) }
            }
        }
        if let s {
            if let o = s.owner { lines.append(("Used By", owner(o, percent: r.minFreeSpacePercent))) }
            lines.append(("Mode", s.mode?.rawValue ?? "unknown (the kernel does not report it)"))
            lines.append(("No Space Policy", s.noSpacePolicy.rawValue))
            lines.append(("Needs Check", s.needsCheck.map { $0 ? "yes" : "no" } ?? "unknown"))
            var lwm = "\(s.table.lowWaterMark.rawValue) blocks"
            if let b = s.table.lowWaterMark.bytes(blockSize: s.table.blockSize) { lwm += " (\(h(b)))" }
            lines.append(("Low Water Mark", lwm))
            if let c = r.capacity {
                lines.append(("Free Data Blocks", "\(c.data.freeBlocks)" + (c.atLowWaterMark ? " (at or below the low water mark)" : "")))
                if s.dockerMayUse { lines.append(("Docker Would Refuse New Devices", refusal(c, percent: r.minFreeSpacePercent))) }
            }
            lines.append(("Thin Volumes", "\(s.thinVolumes.count)"))
            // What the agent's own readings add (none of it in a one-off `status`).
            for d in s.stuck { lines.append(("Stuck Device", d.describe(pool: s.name))) }
            if let o = s.outOfSpace {
                var t = o.deadline.map { "queued writes fail at unix time \(Int($0.rounded()))" } ?? "writes queued until space comes"
                if !o.writers.isEmpty {
                    t +=
                        "; writers: "
                        + o.writers.map { w in w.displayName + (w.processes.isEmpty ? "" : " (\(w.processes.joined(separator: ", ")))") }
                        .joined(separator: ", ")
                }
                lines.append(("Out Of Data Space", t))
            }
            if let sp = s.space {
                lines.append(("Reclaimable By Fstrim", h(Bytes(sp.reclaimableBytes))))
                let holders = s.thinVolumes.compactMap { v in v.space?.exclusiveBytes.map { (v, $0) } }.sorted { $0.1 > $1.1 }.prefix(3)
                if !holders.isEmpty {
                    lines.append(
                        (
                            "Deleting Frees",
                            holders.map { v, b in "\(v.owner?.displayName ?? v.name) \(h(Bytes(b)))" }.joined(separator: ", ")
                        ))
                }
            }
            if let docker {
                lines.append(("Docker Dialect", docker.dialect.description))
                lines.append(("Docker Devices", devices(docker)))
            }
            if let tallies = s.owner?.containerdSnapshots { lines.append(("Containerd Snapshots", snapshots(tallies))) }
            if s.owner?.lvm != nil {
                // As lvs prints them (Data%, Meta%, Health, WhenFull).
                let w = s.status.working
                let health = LVMReport.health(s.status)
                var l =
                    w.map {
                        "Data% \(LVMReport.percent($0.usedData.rawValue, $0.totalData.rawValue)), Meta% \(LVMReport.percent($0.usedMetadata.rawValue, $0.totalMetadata.rawValue)), "
                    } ?? ""
                l += "Health \(health.isEmpty ? "ok" : health), WhenFull \(LVMReport.whenFull(s.table))"
                lines.append(("LVM Report", l))
                if let a = s.owner?.lvmAutoextend { lines.append(("LVM Autoextend", a.description)) }
                if let refusal = s.lvmRefusal { lines.append(("LVM Would Refuse New Thin Volumes", refusal.description)) }
            }
        }
        if let e = r.error { lines.append(("Error", e.description)) }
        var text = lines.map { "\($0.0): \($0.1)\n" }.joined()
        if let s { text += topSpaceUsers(s.thinVolumes) }
        return text
    }

    /// "7:4", with its loop file where it is one: "7:4 = /dev/loop4 on /tmp/data".
    static func device(_ ref: DeviceRef, _ backing: LoopBacking?) -> String {
        guard let backing else { return ref.description }
        return "\(ref) = \(backing.device ?? "loop device") on \(backing.path)"
    }

    static func owner(_ o: PoolOwner, percent: UInt64) -> String {
        var parts: [String] = []
        switch o.kind {
        case .docker:
            var d = "docker"
            if let root = o.docker?.root {
                d += " (data root \(root)" + (o.docker?.minFreeSpacePercent.map { "; daemon.json dm.min_free_space=\($0)%" } ?? "") + ")"
            }
            parts.append(d)
        case .containerd: parts.append("containerd devmapper snapshotter")
        case .lvm: break
        }
        if let lv = o.lvm {
            var l = "LVM \(lv)"
            if let free = o.volumeGroupFree, let size = o.volumeGroupSize {
                l += " (VG \(lv.vg): \(DockerUnits.humanSize(Bytes(free))) free of \(DockerUnits.humanSize(Bytes(size))))"
            }
            parts.append(l)
        }
        return parts.joined(separator: " on ")
    }

    /// "4 (2 active, 2 committed); not active: 2 (134.2MB virtual)".
    static func snapshots(_ tallies: [SnapshotTally]) -> String {
        let total = tallies.reduce(0) { $0 + $1.count }
        var kinds: [String: Int] = [:]
        for t in tallies { kinds[t.kind, default: 0] += t.count }
        var text =
            "\(total)"
            + (kinds.isEmpty ? "" : " (" + kinds.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ") + ")")
        let inactive = tallies.filter { !$0.active }
        let n = inactive.reduce(0) { $0 + $1.count }
        if n > 0 {
            text += "; no device now: \(n) (\(DockerUnits.humanSize(inactive.reduce(UInt64(0)) { $0 &+ $1.virtualBytes })) virtual)"
        }
        return text
    }

    static func devices(_ d: DockerPool) -> String {
        let total = d.devices.reduce(0) { $0 + $1.count }
        let byState = DeviceTally.State.allCases.compactMap { state -> String? in
            let n = d.devices.filter { $0.state == state }.reduce(0) { $0 + $1.count }
            return n == 0 ? nil : "\(n) \(state.rawValue)"
        }
        let inactiveBytes = d.devices.filter { $0.state != .active }.reduce(UInt64(0)) { $0 &+ $1.virtualBytes }
        var text = "\(total)" + (byState.isEmpty ? "" : " (\(byState.joined(separator: ", ")))")
        if inactiveBytes > 0 { text += "; not active: \(DockerUnits.humanSize(Bytes(inactiveBytes))) virtual" }
        if d.skippedFiles > 0 { text += "; \(d.skippedFiles) metadata file\(d.skippedFiles == 1 ? "" : "s") skipped (see the log)" }
        return text
    }

    /// The thin volumes holding the most data space, with what uses them; "" when no volume's
    /// mapped space is known.
    static func topSpaceUsers(_ volumes: [ThinVolume]) -> String {
        let ranked = volumes.filter { $0.status?.mapped != nil }.sorted { a, b in
            let ma = a.status?.mapped?.rawValue ?? 0
            let mb = b.status?.mapped?.rawValue ?? 0
            return ma != mb ? ma > mb : a.name < b.name
        }.prefix(topUsers)
        if ranked.isEmpty { return "" }
        var text = "Top Space Users:\n"
        for v in ranked {
            let mapped = v.status?.mapped?.bytes.map { DockerUnits.humanSize($0) } ?? "?"  // known: filtered above
            let size = v.size.bytes.map { DockerUnits.humanSize($0) } ?? "?"
            let who = v.owner.map { "\($0.displayName) [\(v.name)]" } ?? v.name
            text += "  \(mapped) of \(size)  \(who)\n"
        }
        return text
    }

    /// "no", or "yes (" and docker's own reason: "Thin Pool has 2532 free data blocks which is
    /// less than minimum required 2560 free data blocks").
    static func refusal(_ c: PoolCapacity, percent: UInt64) -> String {
        if percent == 0 { return "no (dm.min_free_space=0% disables the check)" }
        guard let message = c.dockerRefusal else { return "no" }
        var reason = Substring(message)
        if reason.hasPrefix("devmapper: ") { reason = reason.dropFirst("devmapper: ".count) }
        if let end = reason.firstIndex(of: ".") { reason = reason[..<end] }
        return "yes (\(reason))"
    }
}
