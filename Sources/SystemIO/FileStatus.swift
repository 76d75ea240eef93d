import CFilesystemShims
import SystemPackage
import ThinPoolCore

#if canImport(Glibc)
    import Glibc
#endif

/// What stat(2) says about a file.
public struct FileStatus: Hashable, Sendable {
    public enum Kind: Hashable, Sendable { case regular, directory, blockDevice, symbolicLink, other }

    public var kind: Kind
    /// The file's identity: its filesystem's device number and its inode.
    public var id: FileID
    public var size: UInt64
    /// Bytes the file takes on its filesystem (st_blocks x 512): less than `size` when sparse.
    public var allocated: UInt64
    public var modified: (seconds: Int, nanoseconds: Int)
    /// For a block device: its device number.
    public var deviceNumber: DeviceNumber?
    /// The owner's uid and the permission bits (mode & 07777).
    public var owner: UInt32
    public var permissions: UInt32

    /// stat (or lstat, when not following symbolic links) of `path`.
    public init(_ path: String, followSymlinks: Bool = true) throws(FileError) {
        guard let st = systemStat(path, followSymlinks: followSymlinks) else { throw .current(.stat, path) }
        switch st.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFBLK: kind = .blockDevice
        case S_IFLNK: kind = .symbolicLink
        default: kind = .other
        }
        id = FileID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
        size = UInt64(max(0, st.st_size))
        allocated = UInt64(max(0, st.st_blocks)) * 512
        modified = (st.st_mtim.tv_sec, st.st_mtim.tv_nsec)
        deviceNumber = kind == .blockDevice ? DeviceNumber(userspaceDev: UInt64(st.st_rdev)) : nil
        owner = st.st_uid
        permissions = UInt32(st.st_mode) & 0o7777
    }

    public static func == (a: FileStatus, b: FileStatus) -> Bool {
        a.kind == b.kind && a.id == b.id && a.size == b.size && a.modified == b.modified && a.deviceNumber == b.deviceNumber
    }

    public func hash(into h: inout Hasher) {
        h.combine(id)
        h.combine(size)
        h.combine(modified.seconds)
        h.combine(modified.nanoseconds)
    }
}

/// Whether `path` names something (a file, a directory...); symbolic links followed.
public func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }

/// Whether `path` is a file this process may execute.
public func isExecutable(_ path: String) -> Bool {
    (try? FileStatus(path))?.kind == .regular && access(path, X_OK) == 0
}

/// Free space of the filesystem holding `path` as docker counts it: statfs f_bfree x f_bsize
/// (blocks root may use included).
public func filesystemFreeBytes(_ path: String) throws(FileError) -> UInt64 {
    // statfs(2) through a shim (not in Swift's Glibc module): glibc's statvfs would also read
    // the mount table for f_flag, on the alert path's every read of a loop-backed pool.
    var bsize: UInt64 = 0
    var bfree: UInt64 = 0
    let r = cfs_statfs(path, &bsize, &bfree)
    guard r == 0 else { throw FileError(.statfs, path, .errno(Errno(rawValue: -r))) }
    let (product, overflow) = bfree.multipliedReportingOverflow(by: bsize)
    return overflow ? .max : product
}

/// Grows a file to `size` bytes, sparsely (truncate(2)); never shrinks it.
public func growFile(_ path: String, to size: UInt64) throws(FileError) {
    let current = try FileStatus(path).size
    guard current < size else { return }
    guard truncate(path, off_t(size)) == 0 else { throw .current(.truncate, path) }
}
