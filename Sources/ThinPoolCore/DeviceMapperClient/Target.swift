/// One line of a table or status: `<start> <length> <target type> <params>`.
public struct Target: Hashable, Sendable, CustomStringConvertible {
    /// First sector of the device this target maps.
    public var start: UInt64
    /// Length in 512-byte sectors.
    public var length: UInt64
    public var type: String
    public var params: String
    /// Where the line came from, for error messages: `"status:3"` for a fixture file's line;
    /// nil for the kernel.
    public var origin: String?

    public init(start: UInt64, length: UInt64, type: String, params: String, origin: String? = nil) {
        self.start = start
        self.length = length
        self.type = type
        self.params = params
        self.origin = origin
    }

    public var description: String {
        params.isEmpty ? "\(start) \(length) \(type)" : "\(start) \(length) \(type) \(params)"
    }

    public static func == (a: Target, b: Target) -> Bool {
        a.start == b.start && a.length == b.length && a.type == b.type && a.params == b.params
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(start)
        hasher.combine(length)
        hasher.combine(type)
        hasher.combine(params)
    }
}
