import SystemIO
import ThinPoolCore

/// What identifies a version of a file or directory: a rename gives a new inode, a write a new
/// mtime or size (lstat: a symbolic link is itself).
struct FileStamp: Equatable, Sendable {
    var status: FileStatus

    init?(_ path: String) {
        guard let s = try? FileStatus(path, followSymlinks: false) else { return nil }
        status = s
    }

    var isDirectory: Bool { status.kind == .directory }

    /// Modified less than two seconds before `time` (seconds since the epoch): file times tick
    /// coarsely, so a change in the same tick as a read would not move them -- read again.
    func isRecent(comparedTo time: Int) -> Bool { status.modified.seconds + 2 > time }
}

/// The identity of the file `path` names, symbolic links followed (as opening it would).
func fileID(_ path: String) -> FileID? {
    (try? FileStatus(path))?.id
}

/// A whole file's bytes, or nil when it cannot be read. Files here are small; a limit keeps a
/// corrupt or hostile one from costing memory.
func readSmallFile(_ path: String, limit: Int = 4 << 20) -> [UInt8]? {
    try? readFile(path, limit: limit, followSymlinks: false)
}

/// The outcome of reading one entry of a directory.
enum EntryResult<Value: Sendable & Equatable>: Sendable, Equatable {
    case value(Value)
    /// Not usable: why (logged once, shown in the inventory).
    case skip(String)
    /// Not one of ours (silently left out).
    case ignore
}

/// A directory whose entries are read into values, re-reading only what changed since the
/// last scan: the listing when the directory's stamp moved, an entry when its stamp did.
struct ScannedDirectory<Value: Sendable & Equatable>: Sendable {
    struct Entry: Sendable {
        var stamp: FileStamp
        var result: EntryResult<Value>
    }

    private var directoryStamp: FileStamp?
    private var scannedAt = 0
    private(set) var entries: [String: Entry] = [:]
    /// Whether the directory existed at the last scan.
    private(set) var exists = false

    /// Brings the entries up to date. `statEveryEntry` checks each entry's stamp even when the
    /// directory's did not move (for entries that are directories whose files get replaced).
    mutating func scan(
        _ path: String, now: Int, statEveryEntry: Bool = false,
        read: (_ name: String, _ path: String, _ stamp: FileStamp) -> EntryResult<Value>
    ) {
        guard let stamp = FileStamp(path), stamp.isDirectory else {
            self = ScannedDirectory()
            return
        }
        exists = true
        let listingCurrent = stamp == directoryStamp && !stamp.isRecent(comparedTo: scannedAt)
        if listingCurrent && !statEveryEntry {
            return
        }
        let names = listingCurrent ? Array(entries.keys) : ((try? directoryEntries(path)) ?? [])
        var fresh: [String: Entry] = [:]
        fresh.reserveCapacity(names.count)
        for name in names {
            let entryPath = path + "/" + name
            guard let s = FileStamp(entryPath) else { continue }  // removed since the listing
            if let old = entries[name], old.stamp == s, !s.isRecent(comparedTo: scannedAt) {
                fresh[name] = old
            } else {
                fresh[name] = Entry(stamp: s, result: read(name, entryPath, s))
            }
        }
        entries = fresh
        directoryStamp = stamp
        scannedAt = now
    }

    /// The values read, by entry name.
    var values: [String: Value] {
        var out: [String: Value] = [:]
        for (name, e) in entries { if case .value(let v) = e.result { out[name] = v } }
        return out
    }

    /// The entries that were skipped, with why.
    func skipped(in path: String) -> [SkippedFile] {
        entries.compactMap { name, e in
            if case .skip(let why) = e.result { return SkippedFile(path: path + "/" + name, reason: why) }
            return nil
        }
    }
}
