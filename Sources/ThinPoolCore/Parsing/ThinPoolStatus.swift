/// A thin-pool status line's parameters, in the three forms the kernel prints
/// (drivers/md/dm-thin.c pool_status).
public enum ThinPoolStatus: Hashable, Sendable, CustomStringConvertible {
    case working(Working)
    /// `Fail`: the pool failed; all I/O errors.
    case fail
    /// `Error`: the kernel could not read a counter for this status.
    case error

    /// The pool's mode word.
    public enum Mode: String, Hashable, Sendable, CaseIterable {
        case readWrite = "rw"
        case readOnly = "ro"
        case outOfDataSpace = "out_of_data_space"
    }

    public enum Discard: String, Hashable, Sendable, CaseIterable {
        case passdown = "discard_passdown"
        case noPassdown = "no_discard_passdown"
        case ignore = "ignore_discard"
    }

    public enum NoSpacePolicy: String, Hashable, Sendable, CaseIterable {
        case queue = "queue_if_no_space"
        case error = "error_if_no_space"
    }

    /// `<transaction id> <used>/<total metadata blocks> <used>/<total data blocks>
    /// <held metadata root|-> [ro|rw|out_of_data_space] [discard] [no-space policy]
    /// [needs_check|-] [metadata low watermark]`. Older kernels stop after any of the
    /// bracketed fields; those are nil here.
    public struct Working: Hashable, Sendable {
        public var transactionId: UInt64
        public var usedMetadata: MetadataBlocks
        public var totalMetadata: MetadataBlocks
        public var usedData: DataBlocks
        public var totalData: DataBlocks
        /// The root of a held metadata snapshot (`reserve_metadata_snap`), if any.
        public var heldMetadataRoot: UInt64?
        public var mode: Mode?
        public var discard: Discard?
        public var noSpacePolicy: NoSpacePolicy?
        public var needsCheck: Bool?
        /// Free metadata blocks at which the kernel raises its metadata low-water event.
        public var metadataLowWatermark: MetadataBlocks?

        public init(
            transactionId: UInt64, usedMetadata: MetadataBlocks, totalMetadata: MetadataBlocks,
            usedData: DataBlocks, totalData: DataBlocks, heldMetadataRoot: UInt64? = nil,
            mode: Mode? = nil, discard: Discard? = nil, noSpacePolicy: NoSpacePolicy? = nil,
            needsCheck: Bool? = nil, metadataLowWatermark: MetadataBlocks? = nil
        ) {
            self.transactionId = transactionId
            self.usedMetadata = usedMetadata
            self.totalMetadata = totalMetadata
            self.usedData = usedData
            self.totalData = totalData
            self.heldMetadataRoot = heldMetadataRoot
            self.mode = mode
            self.discard = discard
            self.noSpacePolicy = noSpacePolicy
            self.needsCheck = needsCheck
            self.metadataLowWatermark = metadataLowWatermark
        }

        public var freeData: DataBlocks { DataBlocks(totalData.rawValue - usedData.rawValue) }
        public var freeMetadata: MetadataBlocks { MetadataBlocks(totalMetadata.rawValue - usedMetadata.rawValue) }
    }

    public var working: Working? {
        if case .working(let w) = self { return w }
        return nil
    }

    /// Parses the parameters of a thin-pool status line (everything after `thin-pool`).
    public init(parsing params: String) throws(ParseError) {
        // Every status read goes through here (the alert path's one-pool re-read, each pool of
        // a collection): a well-formed line is read in place, without allocating; anything
        // else is read field by field, which names what is wrong.
        if let fast = params.utf8.withContiguousStorageIfAvailable({ Self.fast($0) }), let fast {
            self = fast
            return
        }
        self = try Self(fieldByField: params)
    }

    /// A well-formed status line of the working form (any of its older kernels' shorter
    /// forms too), read in place; nil for anything else -- `Fail`, `Error`, or a line the
    /// field-by-field parser must read to report. Equal to that parser's result whenever it is
    /// not nil (the pool-status fuzz target checks it).
    public static func fast(_ b: UnsafeBufferPointer<UInt8>) -> ThinPoolStatus? {
        var scan = ByteScanner(b)
        guard let transactionId = scan.number(),
            let meta = scan.ratio(),
            let data = scan.ratio(),
            let held = scan.dashOrNumber()
        else { return nil }
        var w = Working(
            transactionId: transactionId,
            usedMetadata: MetadataBlocks(meta.used), totalMetadata: MetadataBlocks(meta.total),
            usedData: DataBlocks(data.used), totalData: DataBlocks(data.total),
            heldMetadataRoot: held)
        // Each optional word: none left, the older kernel's short form; one of its spellings,
        // compared where it lies (the first tried is what a working pool prints).
        guard scan.skipSpaces() else { return .working(w) }
        if scan.take("rw") {
            w.mode = .readWrite
        } else if scan.take("ro") {
            w.mode = .readOnly
        } else if scan.take("out_of_data_space") {
            w.mode = .outOfDataSpace
        } else {
            return nil
        }
        guard scan.skipSpaces() else { return .working(w) }
        if scan.take("discard_passdown") {
            w.discard = .passdown
        } else if scan.take("no_discard_passdown") {
            w.discard = .noPassdown
        } else if scan.take("ignore_discard") {
            w.discard = .ignore
        } else {
            return nil
        }
        guard scan.skipSpaces() else { return .working(w) }
        if scan.take("queue_if_no_space") {
            w.noSpacePolicy = .queue
        } else if scan.take("error_if_no_space") {
            w.noSpacePolicy = .error
        } else {
            return nil
        }
        guard scan.skipSpaces() else { return .working(w) }
        if scan.take("-") {
            w.needsCheck = false
        } else if scan.take("needs_check") {
            w.needsCheck = true
        } else {
            return nil
        }
        guard scan.skipSpaces() else { return .working(w) }
        guard let n = scan.number(), !scan.skipSpaces() else { return nil }
        w.metadataLowWatermark = MetadataBlocks(n)
        return .working(w)
    }

    /// The field-by-field parser: reads every form and names the field, position and text of
    /// what is wrong.
    public init(fieldByField params: String) throws(ParseError) {
        var f = Fields(params, line: "thin-pool status")
        if f.words.count == 1, f.words[0].isWord("Fail") {
            self = .fail
            return
        }
        if f.words.count == 1, f.words[0].isWord("Error") {
            self = .error
            return
        }
        if f.words.isEmpty {
            throw f.error("transaction id", "", "empty status (expected counters, Fail or Error)")
        }
        let transactionId = try f.number("transaction id")
        let meta = try f.ratio("used/total metadata blocks")
        let data = try f.ratio("used/total data blocks")
        let rootWord = try f.next("held metadata root")
        let held: UInt64? =
            rootWord.isWord("-")
            ? nil : try Fields.number(rootWord, field: "held metadata root", fields: f, position: f.position - 1)
        var w = Working(
            transactionId: transactionId,
            usedMetadata: MetadataBlocks(meta.used), totalMetadata: MetadataBlocks(meta.total),
            usedData: DataBlocks(data.used), totalData: DataBlocks(data.total),
            heldMetadataRoot: held)
        w.mode = try f.optionalWord("mode", Mode.self)
        if w.mode != nil { w.discard = try f.optionalWord("discard", Discard.self) }
        if w.discard != nil { w.noSpacePolicy = try f.optionalWord("no-space policy", NoSpacePolicy.self) }
        if w.noSpacePolicy != nil, let word = f.nextIfPresent() {
            if word.isWord("needs_check") {
                w.needsCheck = true
            } else if word.isWord("-") {
                w.needsCheck = false
            } else {
                throw f.error("needs_check", word, "expected needs_check or -", position: f.position - 1)
            }
        }
        if w.needsCheck != nil, !f.isAtEnd {
            w.metadataLowWatermark = MetadataBlocks(try f.number("metadata low watermark"))
        }
        try f.expectEnd(after: "metadata low watermark")
        self = .working(w)
    }

    /// The parameters as the kernel prints them (round-trips through ``init(parsing:)``).
    public var description: String {
        switch self {
        case .fail: return "Fail"
        case .error: return "Error"
        case .working(let w):
            var s =
                "\(w.transactionId) \(w.usedMetadata.rawValue)/\(w.totalMetadata.rawValue) "
                + "\(w.usedData.rawValue)/\(w.totalData.rawValue) "
                + (w.heldMetadataRoot.map(String.init) ?? "-")
            if let m = w.mode { s += " \(m.rawValue)" }
            if let d = w.discard { s += " \(d.rawValue)" }
            if let p = w.noSpacePolicy { s += " \(p.rawValue)" }
            if let n = w.needsCheck { s += n ? " needs_check" : " -" }
            if let l = w.metadataLowWatermark { s += " \(l.rawValue)" }
            return s
        }
    }
}

extension Fields {
    /// The next word as one of `T`'s values; nil at the end of the line.
    mutating func optionalWord<T: RawRepresentable & CaseIterable>(_ field: String, _: T.Type) throws(ParseError) -> T?
    where T.RawValue == String {
        guard let word = nextIfPresent() else { return nil }
        // Compared in place: no String is made for the word (this runs on every status read).
        guard let value = T.allCases.first(where: { word.isWord($0.rawValue) }) else {
            throw error(field, word, "not a known \(field) word", position: position - 1)
        }
        return value
    }
}

/// A thin volume's status: `<mapped sectors> <highest mapped sector|->`, or one word.
public enum ThinStatus: Hashable, Sendable, CustomStringConvertible {
    /// `mapped` sectors are provisioned; `highestMapped` is the last provisioned sector.
    case active(mapped: Sectors, highestMapped: Sectors?)
    /// `-`: the thin device is not attached to its pool's metadata (e.g. being torn down).
    case inactive
    /// `Fail`: the pool failed.
    case fail
    /// `Error`: the kernel could not read the counters.
    case error

    public init(parsing params: String) throws(ParseError) {
        // Read for every thin volume of every collection: `<mapped> <highest|->` in place,
        // anything else field by field (as ThinPoolStatus).
        if let fast = params.utf8.withContiguousStorageIfAvailable({ Self.fast($0) }), let fast {
            self = fast
            return
        }
        self = try Self(fieldByField: params)
    }

    /// `<mapped> <highest|->` read in place; nil for anything else (`-`, `Fail`, `Error`, or
    /// a line the field-by-field parser must read to report). Equal to that parser's result
    /// whenever it is not nil (the thin-status fuzz target checks it).
    public static func fast(_ b: UnsafeBufferPointer<UInt8>) -> ThinStatus? {
        var scan = ByteScanner(b)
        guard let mapped = scan.number(), let highest = scan.word(), scan.word() == nil else { return nil }
        if scan.equals(highest, "-") { return .active(mapped: Sectors(mapped), highestMapped: nil) }
        guard let h = scan.number(highest) else { return nil }
        return .active(mapped: Sectors(mapped), highestMapped: Sectors(h))
    }

    /// The field-by-field parser: reads every form and names what is wrong.
    public init(fieldByField params: String) throws(ParseError) {
        var f = Fields(params, line: "thin status")
        if f.words.count == 1 {
            if f.words[0].isWord("Fail") {
                self = .fail
                return
            }
            if f.words[0].isWord("Error") {
                self = .error
                return
            }
            if f.words[0].isWord("-") {
                self = .inactive
                return
            }
        }
        let mapped = try f.number("mapped sectors")
        let highestWord = try f.next("highest mapped sector")
        let highest: UInt64? =
            highestWord.isWord("-")
            ? nil : try Fields.number(highestWord, field: "highest mapped sector", fields: f, position: f.position - 1)
        try f.expectEnd(after: "highest mapped sector")
        self = .active(mapped: Sectors(mapped), highestMapped: highest.map { Sectors($0) })
    }

    public var mapped: Sectors? {
        if case .active(let m, _) = self { return m }
        return nil
    }

    public var description: String {
        switch self {
        case .active(let m, let h): return "\(m.rawValue) " + (h.map { String($0.rawValue) } ?? "-")
        case .inactive: return "-"
        case .fail: return "Fail"
        case .error: return "Error"
        }
    }
}
