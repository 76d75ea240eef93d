#if canImport(Glibc)
    import Glibc
#endif

/// A device-mapper line that does not have the expected form: which kind of line, which
/// field, at which position, what text was found there and why it is wrong.
public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of line, e.g. "thin-pool status".
    public var line: String
    /// The field's name, e.g. "used/total data blocks".
    public var field: String
    /// 1-based position of the word among the target's parameters (0: the line as a whole).
    public var position: Int
    /// The offending text ("" when the field is missing).
    public var text: String
    /// What is wrong with it.
    public var reason: String
    /// Where the line came from ("status:3" for a fixture file), when known.
    public var origin: String?

    public init(
        line: String, field: String, position: Int, text: String, reason: String,
        origin: String? = nil
    ) {
        self.line = line
        self.field = field
        self.position = position
        self.text = text
        self.reason = reason
        self.origin = origin
    }

    public var description: String {
        let at = origin.map { "\($0): " } ?? ""
        let pos = position > 0 ? "field \(position) (\(field))" : field
        let found = text.isEmpty ? "" : " \"\(text)\""
        return "\(at)\(line): \(pos)\(found): \(reason)"
    }

    /// The same error with where its line came from.
    public func at(_ origin: String?) -> ParseError {
        var copy = self
        if copy.origin == nil { copy.origin = origin }
        return copy
    }
}

/// One word of a parameter string: bytes, no String made unless an error needs the text.
struct Word {
    let bytes: ArraySlice<UInt8>

    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Byte-wise equality with an ASCII literal.
    func isWord(_ literal: StaticString) -> Bool {
        bytes.count == literal.utf8CodeUnitCount
            && literal.withUTF8Buffer { lit in bytes.withUnsafeBufferPointer { memcmpEqual($0, lit) } }
    }

    func isWord(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { lit in bytes.count == lit.count && bytes.withUnsafeBufferPointer { memcmpEqual($0, lit) } }
    }
}

@inline(__always)
private func memcmpEqual(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    for i in 0..<a.count where a[i] != b[i] { return false }
    return true
}

/// The words of a line read in place, for the parsers' fast paths (no allocation): a word is
/// a range of the buffer; separators and numbers as ``Fields`` has them (decimal digits only,
/// at most 64 bits). On a raw pointer, every step inlined: it runs on every status read (about
/// 30 instructions a byte through a buffer's subscripts and closures, a few here).
struct ByteScanner {
    let base: UnsafePointer<UInt8>
    let count: Int
    var i = 0

    init(_ b: UnsafeBufferPointer<UInt8>) {
        // An empty buffer may have no base address: scan one that ends at once.
        base = b.baseAddress ?? UnsafePointer(bitPattern: 1)!
        count = b.baseAddress == nil ? 0 : b.count
    }

    @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c == 32 || c == 9 || c == 10 || c == 13 }

    /// The next word; nil at the end of the line.
    @inline(__always) mutating func word() -> Range<Int>? {
        while i < count, Self.isSpace(base[i]) { i += 1 }
        guard i < count else { return nil }
        let start = i
        while i < count, !Self.isSpace(base[i]) { i += 1 }
        return start..<i
    }

    /// `value` with one more decimal digit `c`; false for a byte that is not a digit or a
    /// number over 64 bits.
    @inline(__always) static func append(_ c: UInt8, to value: inout UInt64) -> Bool {
        let d = c &- 48
        guard d < 10 else { return false }
        let (m, o1) = value.multipliedReportingOverflow(by: 10)
        let (a, o2) = m.addingReportingOverflow(UInt64(d))
        guard !o1, !o2 else { return false }
        value = a
        return true
    }

    @inline(__always) func number(_ r: Range<Int>) -> UInt64? {
        guard !r.isEmpty else { return nil }
        var value: UInt64 = 0
        for k in r { guard Self.append(base[k], to: &value) else { return nil } }
        return value
    }

    /// Spaces skipped; whether a word follows.
    @inline(__always) mutating func skipSpaces() -> Bool {
        while i < count, Self.isSpace(base[i]) { i += 1 }
        return i < count
    }

    /// The next word read as a number in the same pass as the scan; nil at the end of the
    /// line or when the word is not all digits (the scan then stops inside it: callers give up).
    @inline(__always) mutating func number() -> UInt64? {
        guard skipSpaces() else { return nil }
        return digits(until: 32)
    }

    /// Digits up to the end of the word, or to `stop` (consumed); nil for anything else, for
    /// no digits and for a number over 64 bits.
    @inline(__always) private mutating func digits(until stop: UInt8) -> UInt64? {
        let start = i
        var value: UInt64 = 0
        // 19 decimal digits cannot overflow 64 bits: those are added unchecked, any after
        // them checked.
        let unchecked = min(count, start + 19)
        while i < unchecked {
            let d = base[i] &- 48
            guard d < 10 else { break }
            value = value &* 10 &+ UInt64(d)
            i += 1
        }
        if i == unchecked {
            while i < count, Self.append(base[i], to: &value) { i += 1 }
        }
        // Stopped at the end of the line or at a byte that is not a digit, or overflowed.
        guard i > start else { return nil }
        guard i < count else { return stop == 32 ? value : nil }
        let c = base[i]
        if Self.isSpace(c) { return stop == 32 ? value : nil }
        guard c == stop else { return nil }
        i += 1
        return value
    }

    /// The next word is `literal`: consumed, true. Else nothing is consumed. The caller
    /// skipped the spaces before it.
    @inline(__always) mutating func take(_ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard count - i >= n, memcmp(base + i, literal.utf8Start, n) == 0, i + n == count || Self.isSpace(base[i + n])
        else { return false }
        i += n
        return true
    }

    /// `used/total` as ``Fields/ratio(_:)`` accepts it: used <= total, total > 0.
    @inline(__always) mutating func ratio() -> (used: UInt64, total: UInt64)? {
        while i < count, Self.isSpace(base[i]) { i += 1 }
        guard i < count, let used = digits(until: 47), i < count, !Self.isSpace(base[i]), let total = digits(until: 32),
            total > 0, used <= total
        else { return nil }
        return (used, total)
    }

    /// `-` (nil inside) or a number, as the held metadata root is printed; nil outside when it is neither.
    @inline(__always) mutating func dashOrNumber() -> UInt64?? {
        while i < count, Self.isSpace(base[i]) { i += 1 }
        guard i < count else { return nil }
        if base[i] == 45, i + 1 == count || Self.isSpace(base[i + 1]) {
            i += 1
            return .some(nil)
        }
        guard let n = digits(until: 32) else { return nil }
        return .some(n)
    }

    @inline(__always) func equals(_ r: Range<Int>, _ literal: StaticString) -> Bool {
        guard r.count == literal.utf8CodeUnitCount else { return false }
        return memcmp(base + r.lowerBound, literal.utf8Start, r.count) == 0
    }
}

/// The words of a target's parameter string with their 1-based positions, for parsers that
/// report exactly which field is wrong. Works on bytes: it runs on every status read.
struct Fields {
    let line: String
    let words: [Word]
    private(set) var index = 0

    init(_ params: String, line: String) {
        self.line = line
        let bytes = Array(params.utf8)
        var words: [Word] = []
        words.reserveCapacity(12)
        var i = 0
        let end = bytes.count
        bytes.withUnsafeBufferPointer { b in
            while i < end {
                while i < end, Fields.isSpace(b[i]) { i += 1 }
                guard i < end else { break }
                let start = i
                while i < end, !Fields.isSpace(b[i]) { i += 1 }
                words.append(Word(bytes: bytes[start..<i]))
            }
        }
        self.words = words
    }

    static func isSpace(_ c: UInt8) -> Bool { c == 32 || c == 9 || c == 10 || c == 13 }

    var position: Int { index + 1 }
    var isAtEnd: Bool { index >= words.count }
    var remaining: Int { words.count - index }

    func error(_ field: String, _ text: some StringProtocol, _ reason: String, position: Int? = nil) -> ParseError {
        ParseError(line: line, field: field, position: position ?? self.position, text: String(text), reason: reason)
    }

    func error(_ field: String, _ word: Word, _ reason: String, position: Int? = nil) -> ParseError {
        error(field, word.text, reason, position: position)
    }

    /// The next word, or an error naming the missing field.
    mutating func next(_ field: String) throws(ParseError) -> Word {
        guard index < words.count else { throw error(field, "", "missing (the line ends early)") }
        defer { index += 1 }
        return words[index]
    }

    /// The next word if there is one.
    mutating func nextIfPresent() -> Word? {
        guard index < words.count else { return nil }
        defer { index += 1 }
        return words[index]
    }

    mutating func number(_ field: String) throws(ParseError) -> UInt64 {
        let word = try next(field)
        return try Fields.number(word.bytes, word: word, field: field, fields: self, position: position - 1)
    }

    /// A decimal number of at most 64 bits, digits only.
    static func number(_ digits: ArraySlice<UInt8>, word: Word, field: String, fields: Fields, position: Int) throws(ParseError) -> UInt64 {
        guard !digits.isEmpty else { throw fields.error(field, word, "not a non-negative integer", position: position) }
        var value: UInt64 = 0
        var overflow = false
        for c in digits {
            guard c >= 48, c <= 57 else {
                throw fields.error(field, word, "not a non-negative integer", position: position)
            }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(c &- 48))
            overflow = overflow || o1 || o2
            value = a
        }
        if overflow { throw fields.error(field, word, "does not fit in 64 bits", position: position) }
        return value
    }

    static func number(_ word: Word, field: String, fields: Fields, position: Int) throws(ParseError) -> UInt64 {
        try number(word.bytes, word: word, field: field, fields: fields, position: position)
    }

    /// `used/total`: both numbers, used <= total, total > 0.
    mutating func ratio(_ field: String) throws(ParseError) -> (used: UInt64, total: UInt64) {
        let word = try next(field)
        let pos = position - 1
        let b = word.bytes
        guard let slash = b.firstIndex(of: 47), b[(slash + 1)...].firstIndex(of: 47) == nil else {
            throw error(field, word, "expected <used>/<total>", position: pos)
        }
        let used = try Fields.number(b[..<slash], word: word, field: field, fields: self, position: pos)
        let total = try Fields.number(b[(slash + 1)...], word: word, field: field, fields: self, position: pos)
        guard total > 0 else { throw error(field, word, "total is zero", position: pos) }
        guard used <= total else {
            throw error(field, word, "used (\(used)) exceeds total (\(total))", position: pos)
        }
        return (used, total)
    }

    /// Errors when words are left over.
    func expectEnd(after field: String) throws(ParseError) {
        guard isAtEnd else {
            throw error(
                "after \(field)", words[index...].map(\.text).joined(separator: " "),
                "unexpected extra field(s)")
        }
    }
}
