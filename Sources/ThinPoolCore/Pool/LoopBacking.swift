/// A loop device's backing file and the free space of the filesystem holding it.
public struct LoopBacking: Hashable, Sendable {
    public var path: String
    /// statfs f_bfree * f_bsize of the file's filesystem, as docker computes it; nil when
    /// statfs failed or the file is not a regular file.
    public var filesystemFree: Bytes?
    /// The loop device's node, "/dev/loop0"; nil when unknown.
    public var device: String?
    /// The file's identity (st_dev, st_ino): tells whether another path names the same file.
    public var file: FileID?

    public init(path: String, filesystemFree: Bytes?, device: String? = nil, file: FileID? = nil) {
        self.path = path
        self.filesystemFree = filesystemFree
        self.device = device
        self.file = file
    }
}

/// A file's identity: its filesystem's device number and its inode.
public struct FileID: Hashable, Sendable {
    public var device: UInt64
    public var inode: UInt64

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }
}
