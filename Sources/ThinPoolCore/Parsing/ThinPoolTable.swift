/// A thin-pool table line's parameters:
/// `<metadata dev> <data dev> <data block size> <low water mark> [<#features> <feature>...]`
/// (Documentation/admin-guide/device-mapper/thin-provisioning.rst).
public struct ThinPoolTable: Hashable, Sendable, CustomStringConvertible {
    /// Feature arguments the kernel accepts for thin-pool.
    public enum Feature: String, Hashable, Sendable, CaseIterable {
        case skipBlockZeroing = "skip_block_zeroing"
        case ignoreDiscard = "ignore_discard"
        case noDiscardPassdown = "no_discard_passdown"
        case readOnly = "read_only"
        case errorIfNoSpace = "error_if_no_space"
    }

    /// The kernel's bounds on the data block size, in sectors (64 KiB .. 1 GiB).
    public static let blockSizeRange: ClosedRange<UInt64> = 128...2_097_152

    public var metadataDevice: DeviceRef
    public var dataDevice: DeviceRef
    /// Data block size.
    public var blockSize: Sectors
    /// Free data blocks at or below which the kernel raises a dm event.
    public var lowWaterMark: DataBlocks
    /// In the order given.
    public var features: [Feature]

    public init(
        metadataDevice: DeviceRef, dataDevice: DeviceRef, blockSize: Sectors,
        lowWaterMark: DataBlocks, features: [Feature] = []
    ) {
        self.metadataDevice = metadataDevice
        self.dataDevice = dataDevice
        self.blockSize = blockSize
        self.lowWaterMark = lowWaterMark
        self.features = features
    }

    public func has(_ feature: Feature) -> Bool { features.contains(feature) }

    /// Parses the parameters of a thin-pool table line (everything after `thin-pool`).
    public init(parsing params: String) throws(ParseError) {
        var f = Fields(params, line: "thin-pool table")
        metadataDevice = DeviceRef(try f.next("metadata device").text)
        dataDevice = DeviceRef(try f.next("data device").text)
        let bs = try f.number("data block size (sectors)")
        guard ThinPoolTable.blockSizeRange.contains(bs), bs % 128 == 0 else {
            throw f.error(
                "data block size (sectors)", String(bs),
                "must be a multiple of 128 between 128 and 2097152", position: f.position - 1)
        }
        blockSize = Sectors(bs)
        lowWaterMark = DataBlocks(try f.number("low water mark (blocks)"))
        features = []
        // Tables typed by hand may omit a zero feature count; the kernel always prints it.
        guard !f.isAtEnd else { return }
        let count = try f.number("feature count")
        let countPosition = f.position - 1
        guard count == UInt64(f.remaining) else {
            throw f.error(
                "feature count", String(count),
                "says \(count) feature(s) but \(f.remaining) follow", position: countPosition)
        }
        while let word = f.nextIfPresent() {
            guard let feature = Feature(rawValue: word.text) else {
                throw f.error(
                    "feature", word,
                    "unknown thin-pool feature (expected one of "
                        + Feature.allCases.map(\.rawValue).joined(separator: ", ") + ")",
                    position: f.position - 1)
            }
            features.append(feature)
        }
    }

    /// The parameters as the kernel prints them (round-trips through ``init(parsing:)``).
    public var description: String {
        var s = "\(metadataDevice) \(dataDevice) \(blockSize.rawValue) \(lowWaterMark.rawValue) \(features.count)"
        for f in features { s += " \(f.rawValue)" }
        return s
    }
}

/// A thin table line's parameters: `<pool dev> <dev id> [<external origin dev>]`.
public struct ThinTable: Hashable, Sendable, CustomStringConvertible {
    public var poolDevice: DeviceRef
    /// The thin device's id inside the pool (24 bits).
    public var deviceId: UInt32
    public var externalOrigin: DeviceRef?

    public init(poolDevice: DeviceRef, deviceId: UInt32, externalOrigin: DeviceRef? = nil) {
        self.poolDevice = poolDevice
        self.deviceId = deviceId
        self.externalOrigin = externalOrigin
    }

    public init(parsing params: String) throws(ParseError) {
        var f = Fields(params, line: "thin table")
        poolDevice = DeviceRef(try f.next("pool device").text)
        let id = try f.number("device id")
        guard id < (1 << 24) else {
            throw f.error("device id", String(id), "exceeds the 24-bit limit", position: f.position - 1)
        }
        deviceId = UInt32(id)
        externalOrigin = f.nextIfPresent().map { DeviceRef($0.text) }
        try f.expectEnd(after: externalOrigin == nil ? "device id" : "external origin device")
    }

    public var description: String {
        externalOrigin.map { "\(poolDevice) \(deviceId) \($0)" } ?? "\(poolDevice) \(deviceId)"
    }
}
