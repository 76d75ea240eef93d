#if canImport(Glibc)
    import Glibc
#endif

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

/// Two byte runs are equal (a loop: a libc call costs more than the compare on these short words).
@inline(__always)
func memcmpEqual(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    for i in 0..<a.count where a[i] != b[i] { return false }
    return true
}
