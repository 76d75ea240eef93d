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

    public init(line: String, field: String, position: Int, text: String, reason: String,
                origin: String? = nil) {
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

/// The words of a target's parameter string with their 1-based positions, for parsers that
/// report exactly which field is wrong.
struct Fields {
    let line: String
    let words: [Substring]
    private(set) var index = 0

    init(_ params: String, line: String) {
        self.line = line
        words = params.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
    }

    var position: Int { index + 1 }
    var isAtEnd: Bool { index >= words.count }
    var remaining: Int { words.count - index }

    func error(_ field: String, _ text: some StringProtocol, _ reason: String, position: Int? = nil) -> ParseError {
        ParseError(line: line, field: field, position: position ?? self.position, text: String(text), reason: reason)
    }

    /// The next word, or an error naming the missing field.
    mutating func next(_ field: String) throws(ParseError) -> Substring {
        guard index < words.count else { throw error(field, "", "missing (the line ends early)") }
        defer { index += 1 }
        return words[index]
    }

    /// The next word if there is one.
    mutating func nextIfPresent() -> Substring? {
        guard index < words.count else { return nil }
        defer { index += 1 }
        return words[index]
    }

    mutating func number(_ field: String) throws(ParseError) -> UInt64 {
        let word = try next(field)
        return try Fields.number(word, field: field, fields: self, position: position - 1)
    }

    static func number(_ word: Substring, field: String, fields: Fields, position: Int) throws(ParseError) -> UInt64 {
        guard !word.isEmpty, word.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            throw fields.error(field, word, "not a non-negative integer", position: position)
        }
        guard let value = UInt64(word) else {
            throw fields.error(field, word, "does not fit in 64 bits", position: position)
        }
        return value
    }

    /// `used/total`: both numbers, used <= total, total > 0.
    mutating func ratio(_ field: String) throws(ParseError) -> (used: UInt64, total: UInt64) {
        let word = try next(field)
        let pos = position - 1
        let parts = word.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw error(field, word, "expected <used>/<total>", position: pos) }
        let used = try Fields.number(parts[0], field: field, fields: self, position: pos)
        let total = try Fields.number(parts[1], field: field, fields: self, position: pos)
        guard total > 0 else { throw error(field, word, "total is zero", position: pos) }
        guard used <= total else {
            throw error(field, word, "used (\(used)) exceeds total (\(total))", position: pos)
        }
        return (used, total)
    }

    /// Errors when words are left over.
    func expectEnd(after field: String) throws(ParseError) {
        guard isAtEnd else {
            throw error("after \(field)", words[index...].joined(separator: " "),
                        "unexpected extra field(s)")
        }
    }
}
