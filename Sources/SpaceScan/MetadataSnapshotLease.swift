import Logging
import SystemIO
import ThinPoolCore

#if canImport(Glibc)
    import Glibc
#endif

/// A pool's metadata snapshot, held for as long as a body runs: `reserve_metadata_snap`,
/// the body with the metadata device's path, `release_metadata_snap` -- whatever the body does.
///
/// Never takes a snapshot someone else holds (the pool's status names a held root: the lease
/// refuses, and that snapshot is left alone). A marker file per pool in `markers` is written
/// before the reserve ("reserving") and after it ("held ROOT"), and removed after the release;
/// ``releaseLeftovers()`` at start releases the snapshot a marker names, so an agent killed
/// while holding one does not leave the pool's metadata pinned. A marker whose snapshot is not
/// held, or is held at another root (someone else's), is removed and nothing is released.
///
/// Callers hold at most one lease at a time per pool (``SpaceScanner`` runs one scan at a time).
public struct MetadataSnapshotLease: Sendable {
    public let client: any DeviceMapperClient
    /// The markers' directory; nil: no markers (a snapshot left by a crash is not released at
    /// the next start).
    public let markers: String?
    public let sysfs: Sysfs
    public let logger: Logger

    public init(client: any DeviceMapperClient, markers: String?, sysfs: Sysfs = Sysfs(), logger: Logger) {
        self.client = client
        self.markers = markers
        self.sysfs = sysfs
        self.logger = logger
    }

    /// Holds `pool`'s metadata snapshot while `body` runs with the metadata device's node.
    /// Throws ``ScanError/heldByAnother(root:)`` when the status read just before shows one held.
    public func hold<T>(_ pool: ThinPool, _ body: (String) throws(ScanError) -> T) throws(ScanError) -> T {
        if let root = pool.status.working?.heldMetadataRoot { throw .heldByAnother(root: root) }
        guard let n = pool.table.metadataDevice.number, let device = sysfs.node(n) else {
            throw .noMetadataDevice("\(pool.table.metadataDevice)")
        }
        try mark(pool.name, "reserving")
        do {
            _ = try client.message(pool.name, sector: 0, "reserve_metadata_snap")
        } catch {
            unmark(pool.name)
            // EINVAL: one is held after all (someone reserved it since the status was read).
            throw .reserve(error.description)
        }
        if let root = heldRoot(pool.name) { try? mark(pool.name, "held \(root)") }
        defer { release(pool.name) }
        return try body(device)
    }

    /// Releases the snapshots that markers left by an earlier run name; returns how many.
    @discardableResult
    public func releaseLeftovers() -> Int {
        guard let markers, let names = try? directoryEntries(markers) else { return 0 }
        var released = 0
        for pool in names {
            let text = (try? readTextFile(markers + "/" + pool)) ?? ""
            let ours = heldRoot(pool).map { text.hasPrefix("reserving") || text.trimmingWhitespace == "held \($0)" } ?? false
            if ours {
                logger.warning("releasing a metadata snapshot left by an earlier run", metadata: ["pool": "\(pool)"])
                if release(pool) { released += 1 }
            } else {
                unmark(pool)
            }
        }
        return released
    }

    /// The root of the metadata snapshot the pool's status says is held, if any.
    func heldRoot(_ pool: String) -> UInt64? {
        (try? client.status(pool)).flatMap { $0.targets.first }.flatMap { try? ThinPoolStatus(parsing: $0.params) }?.working?
            .heldMetadataRoot
    }

    /// Releases the pool's snapshot; the marker is removed only when that worked (else the
    /// next start, or scan, tries again).
    @discardableResult
    func release(_ pool: String) -> Bool {
        do {
            _ = try client.message(pool, sector: 0, "release_metadata_snap")
            unmark(pool)
            return true
        } catch {
            logger.error("space scan: cannot release the metadata snapshot", metadata: ["pool": "\(pool)", "error": "\(error)"])
            return false
        }
    }

    func mark(_ pool: String, _ text: String) throws(ScanError) {
        guard let markers else { return }
        do {
            try makeDirectories(markers)
            try writeFileAtomically(markers + "/" + pool, Array((text + "\n").utf8))
        } catch {
            throw .marker(error.description)
        }
    }

    func unmark(_ pool: String) {
        guard let markers else { return }
        unlink(markers + "/" + pool)
    }
}
