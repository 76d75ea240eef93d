#if canImport(Glibc)
    import Glibc
#endif

/// The words of a line read in place, for the parsers' fast paths (no allocation): a word is
/// a range of the buffer; separators and numbers as ``Fields`` has them (decimal digits only,
/// at most 64 bits). On a raw pointer, every step inlined: it runs on every status read, where a
/// buffer's subscripts and closures would cost several times as much per byte.
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
