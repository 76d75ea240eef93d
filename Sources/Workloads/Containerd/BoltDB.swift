/// A read-only reader of bbolt (go.etcd.io/bbolt) database files, the format containerd keeps
/// its metadata in (its own `meta.db`, and the devmapper snapshotter's `metadata.db` and
/// `<pool>.db`). Pure: the file's bytes in, buckets and values out. It reads what the newest
/// valid meta page points to and checks every offset against the bytes it has, so a file that
/// is damaged, truncated or torn by a concurrent write (containerd holds the file open and
/// writes it while we read) gives a ``BoltError``, never a crash.
///
/// The format (bbolt 1.3, little-endian on the platforms containerd runs on): pages of
/// `pageSize` bytes, each with a 16-byte header (id u64, flags u16, count u16, overflow u32);
/// pages 0 and 1 are meta pages (magic 0xED0CDAED, version 2, page size, flags, root bucket
/// {root page, sequence}, freelist page, high page, transaction id, FNV-1a checksum); a
/// bucket's B+tree has branch pages (elements: pos u32, ksize u32, child page u64) and leaf
/// pages (elements: flags u32, pos u32, ksize u32, vsize u32; flag 1 marks a nested bucket
/// whose value is a bucket header {root page u64, sequence u64}, followed, when the root page
/// is 0, by the bucket's own page inline).
public struct BoltDB: Sendable {
    let storage: Storage
    /// The page size the meta page records.
    public let pageSize: Int
    /// The transaction id of the meta page in use.
    public let transactionID: UInt64
    public let root: BoltBucket

    final class Storage: Sendable {
        let bytes: [UInt8]
        init(_ bytes: [UInt8]) { self.bytes = bytes }
    }

    static let magic: UInt32 = 0xED0C_DAED
    static let pageHeaderSize = 16
    static let elementSize = 16

    enum PageFlag {
        static let branch: UInt16 = 0x01
        static let leaf: UInt16 = 0x02
        static let meta: UInt16 = 0x04
    }

    /// Parses the meta pages of `bytes` (a whole database file) and keeps the newer valid one.
    public init(bytes: [UInt8]) throws(BoltError) {
        let storage = Storage(bytes)
        guard bytes.count >= Self.metaEnd else { throw .tooShort(bytes.count) }
        // Page 0 tells the page size; page 1 sits at that offset.
        let first = Self.meta(storage, at: 0)
        let second = Self.meta(storage, at: first?.pageSize ?? 4096)
        var candidates = [first, second].compactMap { $0 }
        // bbolt writes meta pages alternately (txid % 2); the newer valid one is current.
        candidates.sort { $0.txid > $1.txid }
        guard let meta = candidates.first else { throw .noValidMeta }
        self.storage = storage
        self.pageSize = meta.pageSize
        self.transactionID = meta.txid
        self.root = BoltBucket(storage: storage, pageSize: meta.pageSize, root: .page(meta.root), depth: 0)
    }

    /// The transaction id of the newer valid meta page in `bytes` (e.g. the first pages read
    /// again after a whole-file read, to tell whether a writer committed in between); nil when
    /// neither meta page is valid.
    public static func transactionID(metaPages bytes: [UInt8]) -> UInt64? {
        let storage = Storage(bytes)
        let first = meta(storage, at: 0)
        let second = meta(storage, at: first?.pageSize ?? 4096)
        return [first, second].compactMap { $0 }.map(\.txid).max()
    }

    struct Meta {
        var pageSize: Int
        var root: UInt64
        var txid: UInt64
    }

    /// The end of the meta struct within its page (header 16 + meta 64).
    static let metaEnd = pageHeaderSize + 64

    /// The meta page at byte `offset`; nil when it is not a valid one (bad magic, version or
    /// checksum, or past the end).
    static func meta(_ s: Storage, at offset: Int) -> Meta? {
        let b = s.bytes
        guard offset >= 0, offset + metaEnd <= b.count else { return nil }
        guard u16(b, offset + 8) & PageFlag.meta != 0 else { return nil }
        let m = offset + pageHeaderSize
        guard u32(b, m) == magic, u32(b, m + 4) == 2 else { return nil }
        // FNV-1a 64 of the meta struct before its checksum field.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in m..<(m + 56) {
            hash ^= UInt64(b[i])
            hash = hash &* 0x0000_0100_0000_01b3
        }
        guard hash == u64(b, m + 56) else { return nil }
        let pageSize = Int(u32(b, m + 8))
        guard pageSize >= 512, pageSize <= 1 << 20, pageSize & (pageSize - 1) == 0 else { return nil }
        return Meta(pageSize: pageSize, root: u64(b, m + 16), txid: u64(b, m + 48))
    }

    static func u16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    static func u32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
    static func u64(_ b: [UInt8], _ i: Int) -> UInt64 { UInt64(u32(b, i)) | UInt64(u32(b, i + 4)) << 32 }
}

/// What can be wrong with a bbolt file.
public enum BoltError: Error, Hashable, Sendable, CustomStringConvertible {
    case tooShort(Int)
    /// Neither meta page has the magic, version 2 and a good checksum.
    case noValidMeta
    /// A page or element points outside the file, or a page is not what its parent says.
    case corrupt(String)

    public var description: String {
        switch self {
        case .tooShort(let n): return "not a bolt database: \(n) bytes"
        case .noValidMeta: return "not a bolt database, or damaged: no valid meta page"
        case .corrupt(let why): return "damaged bolt database (or written while read): \(why)"
        }
    }
}

/// One bucket: its keys, values and nested buckets, in key order.
public struct BoltBucket: Sendable {
    enum Root: Sendable {
        /// A B+tree whose root is this page.
        case page(UInt64)
        /// A small bucket stored inline in its parent's value: its page starts at this offset.
        case inline(start: Int, end: Int)
    }

    let storage: BoltDB.Storage
    let pageSize: Int
    let root: Root
    let depth: Int

    /// A value or a nested bucket.
    public enum Entry: Sendable {
        case value([UInt8])
        case bucket(BoltBucket)
    }

    /// Every key with its value or bucket, in key order.
    public func entries() throws(BoltError) -> [(key: [UInt8], entry: Entry)] {
        var out: [(key: [UInt8], entry: Entry)] = []
        switch root {
        case .page(let id): try walk(page: id, level: 0, into: &out)
        case .inline(let start, let end): try leaf(at: start, end: end, into: &out)
        }
        return out
    }

    /// The value stored under `key` (nil when absent or a bucket).
    public func value(_ key: String) throws(BoltError) -> [UInt8]? {
        for e in try entries() where e.key.elementsEqual(key.utf8) {
            if case .value(let v) = e.entry { return v }
            return nil
        }
        return nil
    }

    /// The nested bucket under `key` (nil when absent or a plain value).
    public func bucket(_ key: String) throws(BoltError) -> BoltBucket? {
        for e in try entries() where e.key.elementsEqual(key.utf8) {
            if case .bucket(let b) = e.entry { return b }
            return nil
        }
        return nil
    }

    /// Nested buckets along `path`: `bucket(path: ["v1", "snapshots"])`.
    public func bucket(path: [String]) throws(BoltError) -> BoltBucket? {
        var b: BoltBucket? = self
        for name in path {
            b = try b?.bucket(name)
        }
        return b
    }

    /// A value as UTF-8 text (nil when absent or not valid UTF-8).
    public func string(_ key: String) throws(BoltError) -> String? {
        guard let v = try value(key) else { return nil }
        return String(validating: v, as: UTF8.self)
    }

    // bbolt trees are a few levels deep; anything deeper is a loop in a damaged file.
    static let maxLevels = 64

    private func walk(page id: UInt64, level: Int, into out: inout [(key: [UInt8], entry: Entry)]) throws(BoltError) {
        guard level < Self.maxLevels else { throw .corrupt("a B+tree deeper than \(Self.maxLevels) levels (a loop?)") }
        let b = storage.bytes
        let (start, overflow) = id.multipliedReportingOverflow(by: UInt64(pageSize))
        guard !overflow, start < UInt64(b.count), Int(start) + BoltDB.pageHeaderSize <= b.count else {
            throw .corrupt("page \(id) lies past the end of the file")
        }
        let p = Int(start)
        guard BoltDB.u64(b, p) == id else { throw .corrupt("page \(id) says it is page \(BoltDB.u64(b, p))") }
        let flags = BoltDB.u16(b, p + 8)
        let end = min(b.count, p + (Int(BoltDB.u32(b, p + 12)) + 1) * pageSize)
        if flags & BoltDB.PageFlag.leaf != 0 {
            try leaf(at: p, end: end, into: &out)
        } else if flags & BoltDB.PageFlag.branch != 0 {
            let count = Int(BoltDB.u16(b, p + 10))
            guard p + BoltDB.pageHeaderSize + count * BoltDB.elementSize <= end else { throw .corrupt("page \(id): elements past its end") }
            for i in 0..<count {
                let e = p + BoltDB.pageHeaderSize + i * BoltDB.elementSize
                try walk(page: BoltDB.u64(b, e + 8), level: level + 1, into: &out)
            }
        } else {
            throw .corrupt("page \(id) is neither a branch nor a leaf (flags \(flags))")
        }
    }

    private func leaf(at p: Int, end: Int, into out: inout [(key: [UInt8], entry: Entry)]) throws(BoltError) {
        let b = storage.bytes
        guard p + BoltDB.pageHeaderSize <= end, end <= b.count else { throw .corrupt("a leaf page past the end of its space") }
        guard BoltDB.u16(b, p + 8) & BoltDB.PageFlag.leaf != 0 else { throw .corrupt("an inline bucket that is not a leaf page") }
        let count = Int(BoltDB.u16(b, p + 10))
        guard p + BoltDB.pageHeaderSize + count * BoltDB.elementSize <= end else { throw .corrupt("leaf elements past the page's end") }
        for i in 0..<count {
            let e = p + BoltDB.pageHeaderSize + i * BoltDB.elementSize
            let flags = BoltDB.u32(b, e)
            let keyStart = e + Int(BoltDB.u32(b, e + 4))
            let keyEnd = keyStart + Int(BoltDB.u32(b, e + 8))
            let valueEnd = keyEnd + Int(BoltDB.u32(b, e + 12))
            guard keyStart >= e, valueEnd <= end else { throw .corrupt("a leaf element points past its page") }
            let key = Array(b[keyStart..<keyEnd])
            if flags & 0x01 != 0 {
                guard valueEnd - keyEnd >= 16 else { throw .corrupt("a bucket header shorter than 16 bytes") }
                let rootPage = BoltDB.u64(b, keyEnd)
                let nested: Root = rootPage == 0 ? .inline(start: keyEnd + 16, end: valueEnd) : .page(rootPage)
                guard depth < Self.maxLevels else { throw .corrupt("buckets nested deeper than \(Self.maxLevels)") }
                out.append((key, .bucket(BoltBucket(storage: storage, pageSize: pageSize, root: nested, depth: depth + 1))))
            } else {
                out.append((key, .value(Array(b[keyEnd..<valueEnd]))))
            }
        }
    }
}
