// Unit newtypes: a count of sectors is never silently used as a count of blocks or bytes.
// Conversions are explicit and checked: a product that does not fit 64 bits is an error,
// never a trap.

/// A 64-bit count of some unit.
public protocol UnitCount: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible
where RawValue == UInt64 {
    init(rawValue: UInt64)
    /// The unit's name in descriptions ("sectors").
    static var unitName: String { get }
}

extension UnitCount {
    public init(_ value: UInt64) { self.init(rawValue: value) }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "\(rawValue) \(Self.unitName)" }
}

/// A size in bytes.
public struct Bytes: UnitCount {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public static let unitName = "B"
    public static let zero = Bytes(0)
}

/// A count of 512-byte sectors.
public struct Sectors: UnitCount {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public static let unitName = "sectors"

    public static let size: UInt64 = 512

    /// Bytes, or nil when the product does not fit in 64 bits.
    public var bytes: Bytes? { Bytes.multiplying(rawValue, Sectors.size) }
}

/// A count of thin-pool data blocks; their size is the pool's block size.
public struct DataBlocks: UnitCount {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public static let unitName = "data blocks"

    /// Bytes at `blockSize` sectors per block, or nil on 64-bit overflow.
    public func bytes(blockSize: Sectors) -> Bytes? {
        guard let perBlock = blockSize.bytes else { return nil }
        return Bytes.multiplying(rawValue, perBlock.rawValue)
    }
}

/// A count of thin-pool metadata blocks, always 4096 bytes each.
public struct MetadataBlocks: UnitCount {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public static let unitName = "metadata blocks"

    /// The kernel's metadata block size (THIN_METADATA_BLOCK_SIZE).
    public static let size: UInt64 = 4096

    /// Bytes, or nil on 64-bit overflow.
    public var bytes: Bytes? { Bytes.multiplying(rawValue, MetadataBlocks.size) }
}

extension Bytes {
    /// `a * b` as bytes, or nil when it does not fit in 64 bits.
    public static func multiplying(_ a: UInt64, _ b: UInt64) -> Bytes? {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? nil : Bytes(product)
    }
}

extension UInt64 {
    /// `self + other`, held at the largest value instead of trapping: sums of sizes and counts
    /// from outside input (a kernel table, lvs, thin_dump) may say anything.
    @inlinable
    public func saturatingAdding(_ other: UInt64) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }

    /// `self * other`, held at the largest value instead of trapping.
    @inlinable
    public func saturatingMultiplying(by other: UInt64) -> UInt64 {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        return overflow ? .max : product
    }
}

/// `value * percent / 100` without intermediate overflow (docker computes this in uint64).
@inlinable
public func percentOf(_ value: UInt64, _ percent: UInt64) -> UInt64 {
    let (high, low) = value.multipliedFullWidth(by: percent)
    // high < 100 always holds for percent <= 100, so the quotient fits.
    return UInt64(100).dividingFullWidth((high, low)).quotient
}
