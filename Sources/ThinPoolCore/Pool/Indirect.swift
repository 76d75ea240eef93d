/// A value kept out of line: an optional field that most instances leave nil, or a large one,
/// costs its holder one pointer instead of its whole size. Immutable, so copies share it
/// safely; equality and hashing are the value's.
public final class Indirect<Value: Sendable>: Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}

extension Indirect: Equatable where Value: Equatable {
    public static func == (a: Indirect, b: Indirect) -> Bool { a === b || a.value == b.value }
}

extension Indirect: Hashable where Value: Hashable {
    public func hash(into hasher: inout Hasher) { hasher.combine(value) }
}
