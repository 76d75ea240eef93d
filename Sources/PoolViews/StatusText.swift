import ThinPool

/// The human view of `thinpool-exporter status`: per pool, `docker info`'s devicemapper lines
/// in docker's words and order, then what docker does not show.
public enum StatusText {
    public static func render(_ report: PoolReport) -> String {
        if report.pools.isEmpty {
            return "No thin pools found (\(report.deviceCount) device-mapper device\(report.deviceCount == 1 ? "" : "s")).\n"
        }
        return report.pools.map(pool).joined(separator: "\n")
    }

    public static func pool(_ r: PoolReading) -> String {
        var lines: [(String, String)] = [("Pool Name", r.name)]
        let s = r.snapshot
        if let c = r.capacity {
            let h: (Bytes) -> String = DockerUnits.humanSize
            lines += [
                ("Pool Blocksize", h(c.blockSize)),
                ("Data Space Used", h(c.data.used)),
                ("Data Space Total", h(c.data.total)),
                ("Data Space Available", h(c.data.available)),
                ("Metadata Space Used", h(c.metadata.used)),
                ("Metadata Space Total", h(c.metadata.total)),
                ("Metadata Space Available", h(c.metadata.available)),
                ("Thin Pool Minimum Free Space", h(c.minFreeSpace)),
            ]
        } else if let s {
            lines.append(("Pool Blocksize", s.table.blockSize.bytes.map { DockerUnits.humanSize($0) } ?? "?"))
        }
        if let s {
            lines.append(("Data file", s.table.dataDevice.description))
            lines.append(("Metadata file", s.table.metadataDevice.description))
            if let b = s.dataBacking { lines.append(("Data loop file", b.path)) }
            if let b = s.metadataBacking { lines.append(("Metadata loop file", b.path)) }
            lines.append(("Mode", s.mode?.rawValue ?? "unknown (the kernel does not report it)"))
            lines.append(("No Space Policy", s.noSpacePolicy.rawValue))
            lines.append(("Needs Check", s.needsCheck.map { $0 ? "yes" : "no" } ?? "unknown"))
            var lwm = "\(s.table.lowWaterMark.rawValue) blocks"
            if let b = s.table.lowWaterMark.bytes(blockSize: s.table.blockSize) { lwm += " (\(DockerUnits.humanSize(b)))" }
            lines.append(("Low Water Mark", lwm))
            if let c = r.capacity {
                lines.append(("Free Data Blocks", "\(c.data.freeBlocks)" + (c.atLowWaterMark ? " (at or below the low water mark)" : "")))
                lines.append(("Docker Would Refuse New Devices", refusal(c, percent: r.minFreeSpacePercent)))
            }
            lines.append(("Thin Volumes", "\(s.thinVolumes.count)"))
        }
        if let e = r.error { lines.append(("Error", e.description)) }
        return lines.map { "\($0.0): \($0.1)\n" }.joined()
    }

    static func refusal(_ c: PoolCapacity, percent: UInt64) -> String {
        if percent == 0 { return "no (dm.min_free_space=0% disables the check)" }
        var why: [String] = []
        if c.dockerRefusesData { why.append("data: \(c.data.freeBlocks) free blocks < \(c.minFreeDataBlocks)") }
        if c.dockerRefusesMetadata {
            why.append("metadata: \(c.metadata.freeBlocks) free blocks < \(c.minFreeMetadataBlocks)")
        }
        return why.isEmpty ? "no" : "yes (\(why.joined(separator: "; ")))"
    }
}
