/// A value kept out of line and copied only when written while shared (as Array keeps its
/// elements): copying the holder is one retain, whatever the value's size. Equality and
/// hashing are the value's. Inlinable: other modules read a field of it in place.
@frozen
public struct CopyOnWrite<Value: Sendable>: @unchecked Sendable {
    // @unchecked: the box is written only while this holder alone references it
    // (isKnownUniquelyReferenced), so no two threads ever see it written.
    @usableFromInline
    final class Box {
        // Unchecked: accessed only through `value` below, whose writes are to an unshared box
        // (a dynamic exclusivity check on every field read cost more than the copies this saves).
        @exclusivity(unchecked) @usableFromInline var value: Value
        @usableFromInline init(_ value: Value) { self.value = value }
    }

    @usableFromInline var box: Box

    @inlinable
    public init(_ value: Value) { box = Box(value) }

    @inlinable
    public var value: Value {
        _read { yield box.value }
        _modify {
            if !isKnownUniquelyReferenced(&box) { box = Box(box.value) }
            yield &box.value
        }
    }
}

extension CopyOnWrite: Equatable where Value: Equatable {
    @inlinable
    public static func == (a: Self, b: Self) -> Bool { a.box === b.box || a.box.value == b.box.value }
}

extension CopyOnWrite: Hashable where Value: Hashable {
    @inlinable
    public func hash(into hasher: inout Hasher) { hasher.combine(box.value) }
}
