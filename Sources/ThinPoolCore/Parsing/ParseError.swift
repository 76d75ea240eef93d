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
