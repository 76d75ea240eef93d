import CFilesystemShims
import ThinPoolCore

#if canImport(Glibc)
    import Glibc
#endif

/// A mounted filesystem's size and use as statfs reports them.
public struct FilesystemUsage: Hashable, Sendable {
    /// f_blocks x f_frsize: the space for files (the filesystem's own metadata left out).
    public var size: UInt64
    /// (f_blocks - f_bfree) x f_frsize.
    public var used: UInt64
    /// f_bfree x f_frsize (root's reserve included).
    public var free: UInt64
}

/// statfs of the filesystem holding `path`.
public func filesystemUsage(_ path: String) throws(FileError) -> FilesystemUsage {
    var fs = statvfs()
    guard statvfs(path, &fs) == 0 else { throw .current(.statfs, path) }
    let unit = UInt64(fs.f_frsize)
    let blocks = UInt64(fs.f_blocks)
    let free = UInt64(fs.f_bfree)
    return FilesystemUsage(size: blocks * unit, used: (blocks - min(free, blocks)) * unit, free: free * unit)
}

/// The mounts of this process's mount namespace (/proc/self/mountinfo).
public func currentMounts(_ path: String = "/proc/self/mountinfo") throws(FileError) -> [MountEntry] {
    MountEntry.parse(try readTextFile(path, limit: 64 << 20, lenient: true))
}

/// The free extents of the filesystem mounted at `mountPoint` (FS_IOC_GETFSMAP: ext4, XFS), as
/// (device byte offset, length).
public func freeExtents(_ mountPoint: String) throws(FileError) -> [(offset: UInt64, length: UInt64)] {
    let fd = open(mountPoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { throw .current(.open, mountPoint) }
    defer { close(fd) }
    var extents: [(offset: UInt64, length: UInt64)] = []
    let n = withUnsafeMutablePointer(to: &extents) { cfs_free_extents(fd, extentSink, $0) }
    guard n >= 0 else { throw FileError(.getfsmap, mountPoint, .errno(.init(rawValue: -n))) }
    return extents
}

/// FITRIM of the filesystem mounted at `mountPoint`: discards its free extents of at least
/// `minimum` bytes. Returns the bytes the filesystem says it trimmed (every free extent it
/// discarded, not what the device under it freed).
public func trimFilesystem(_ mountPoint: String, minimum: UInt64) throws(FileError) -> UInt64 {
    let fd = open(mountPoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { throw .current(.open, mountPoint) }
    defer { close(fd) }
    var trimmed: UInt64 = 0
    let r = cfs_fitrim(fd, 0, .max, minimum, &trimmed)
    guard r == 0 else { throw FileError(.fitrim, mountPoint, .errno(.init(rawValue: -r))) }
    return trimmed
}

private let extentSink: cfs_extent_sink = { context, physical, length in
    context?.assumingMemoryBound(to: [(offset: UInt64, length: UInt64)].self).pointee.append((physical, length))
}

extension Sysfs {
    /// The device's discard limits (queue/discard_max_bytes, queue/discard_granularity).
    public func discardLimits(_ n: DeviceNumber) -> (maxBytes: UInt64, granularity: UInt64)? {
        guard let max = attribute(n, "queue/discard_max_bytes").flatMap({ UInt64($0) }),
            let granularity = attribute(n, "queue/discard_granularity").flatMap({ UInt64($0) })
        else { return nil }
        return (max, granularity)
    }
}
