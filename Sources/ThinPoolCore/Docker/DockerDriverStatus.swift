/// What `docker info` prints under "Storage Driver: devicemapper" for a pool: the pairs of
/// moby's devmapper `Driver.Status()`, computed as `DeviceSet.Status()` computes them, in the
/// order and words of the pool's docker (``DockerDialect``: before 17.04 sizes have a space,
/// before 17.11 the first order). Checked line for line against the real dockerd 20.10 in the
/// test VM (Tests/VM/scenarios/docker-info.sh) and against published outputs of docker 1.12 to
/// 18.09 (Tests/ThinPoolCoreTests/DockerDialectTests.swift).
///
/// docker derives its numbers slightly differently from the kernel's truth that the metrics
/// carry: its block size is the table length divided by the total data blocks (equal to the
/// table's block size whenever the length is a whole number of blocks, as docker and LVM make
/// it), and it caps Available by the free space of the filesystem under its own loop file only.
public enum DockerDriverStatus {
    /// The lines for `r` when docker uses the pool (its settings and files come from the
    /// pool's docker owner); nil for a pool docker does not use.
    public static func pairs(_ r: PoolReading, versions: DeviceMapperVersions) -> [(String, String)]? {
        guard let docker = r.pool?.owner?.docker else { return nil }
        let dialect = docker.dialect
        let h = dialect.size
        let n = numbers(r, docker: docker)
        let head: [(String, String)] = [
            ("Pool Name", docker.thinPoolDevice ?? r.name),
            ("Pool Blocksize", h(n.sectorSize)),
            ("Base Device Size", h(docker.baseDeviceSize ?? 0)),
            ("Backing Filesystem", docker.baseFilesystem ?? ""),
        ]
        let udev = ("Udev Sync Supported", versions.udevSync.map { "\($0)" } ?? "unknown")
        let space: [(String, String)] = [
            ("Data Space Used", h(n.dataUsed)),
            ("Data Space Total", h(n.dataTotal)),
            ("Data Space Available", h(n.dataAvailable)),
            ("Metadata Space Used", h(n.metadataUsed)),
            ("Metadata Space Total", h(n.metadataTotal)),
            ("Metadata Space Available", h(n.metadataAvailable)),
            ("Thin Pool Minimum Free Space", h(n.minFreeSpace)),
        ]
        // docker turns both on when the kernel supports deferred removal (dm ioctl >= 4.27) and
        // its libdevmapper does (Debian's does); dm.use_deferred_* override.
        let byDefault = versions.driverSupportsDeferredRemoval
        func flag(_ setting: Bool?) -> String { (setting ?? byDefault).map { "\($0)" } ?? "unknown" }
        let deferred: [(String, String)] = [
            ("Deferred Removal Enabled", flag(docker.deferredRemoval)),
            ("Deferred Deletion Enabled", flag(docker.deferredDeletion)),
            ("Deferred Deleted Device Count", "\(docker.deferredDeleted)"),
        ]
        var loops: [(String, String)] = []
        if let f = docker.dataLoopFile { loops.append(("Data loop file", f)) }
        if let f = docker.metadataLoopFile { loops.append(("Metadata loop file", f)) }
        var lines = head
        if dialect.firstOrder {
            // Data file and Metadata file always, empty with dm.thinpooldev.
            lines += [("Data file", docker.dataFile ?? ""), ("Metadata file", docker.metadataFile ?? "")]
            lines += space + [udev] + deferred + loops
        } else {
            lines.append(udev)
            if let f = docker.dataFile, !f.isEmpty { lines.append(("Data file", f)) }
            if let f = docker.metadataFile, !f.isEmpty { lines.append(("Metadata file", f)) }
            lines += loops + space + deferred
        }
        if let v = versions.library { lines.append(("Library Version", v)) }
        return lines
    }

    /// docker's numbers, in bytes: zero where its status read fails (a pool in Fail or Error
    /// mode), as docker leaves them.
    struct Numbers {
        var sectorSize: UInt64 = 0
        var dataUsed: UInt64 = 0, dataTotal: UInt64 = 0, dataAvailable: UInt64 = 0
        var metadataUsed: UInt64 = 0, metadataTotal: UInt64 = 0, metadataAvailable: UInt64 = 0
        var minFreeSpace: UInt64 = 0
    }

    static func numbers(_ r: PoolReading, docker: DockerPool) -> Numbers {
        var n = Numbers()
        guard let s = r.pool, let w = s.status.working, w.totalData.rawValue > 0 else { return n }
        // docker computes in uint64 and wraps; at sizes a kernel can hold that never happens,
        // but a fixture could say anything: wrap as docker would rather than trap.
        let blockSectors = s.length.rawValue / w.totalData.rawValue
        let perBlock = blockSectors &* 512
        n.sectorSize = perBlock
        n.dataUsed = w.usedData.rawValue &* perBlock
        n.dataTotal = w.totalData.rawValue &* perBlock
        n.dataAvailable = n.dataTotal &- n.dataUsed
        n.metadataUsed = w.usedMetadata.rawValue &* MetadataBlocks.size
        n.metadataTotal = w.totalMetadata.rawValue &* MetadataBlocks.size
        n.metadataAvailable = n.metadataTotal &- n.metadataUsed
        // Only docker's own loop files cap Available (isRealFile of its dataLoopFile).
        if docker.dataLoopFile != nil, let free = s.dataBacking?.filesystemFree, free.rawValue < n.dataAvailable {
            n.dataAvailable = free.rawValue
        }
        if docker.metadataLoopFile != nil, let free = s.metadataBacking?.filesystemFree, free.rawValue < n.metadataAvailable {
            n.metadataAvailable = free.rawValue
        }
        n.minFreeSpace = percentOf(w.totalData.rawValue, r.minFreeSpacePercent) &* perBlock
        return n
    }
}

extension PoolCapacity {
    /// The error docker's devmapper driver returns instead of creating a device now (its
    /// poolHasFreeSpace: data first, then metadata); nil when it would create one.
    public var dockerRefusal: String? {
        if dockerRefusesData {
            return "devmapper: Thin Pool has \(data.freeBlocks) free data blocks which is less than minimum required "
                + "\(minFreeDataBlocks) free data blocks. Create more free space in thin pool or use dm.min_free_space "
                + "option to change behavior"
        }
        if dockerRefusesMetadata {
            return "devmapper: Thin Pool has \(metadata.freeBlocks) free metadata blocks which is less than minimum required "
                + "\(minFreeMetadataBlocks) free metadata blocks. Create more free metadata space in thin pool or use "
                + "dm.min_free_space option to change behavior"
        }
        return nil
    }
}
