/// An alert's name (the `alertname` label). The rules' names are here; a service that raises
/// alerts of its own (autoextend) names them where it raises them, so alerting need not know it.
public struct AlertName: RawRepresentable, Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }

    public static let dataUsage = AlertName("ThinPoolDataUsage")
    public static let metadataUsage = AlertName("ThinPoolMetadataUsage")
    public static let nearMinFreeSpace = AlertName("ThinPoolNearMinFreeSpace")
    public static let lowWaterMark = AlertName("ThinPoolLowWaterMark")
    public static let outOfDataSpace = AlertName("ThinPoolOutOfDataSpace")
    public static let readOnly = AlertName("ThinPoolReadOnly")
    public static let failed = AlertName("ThinPoolFailed")
    public static let needsCheck = AlertName("ThinPoolNeedsCheck")
    public static let dataFullSoon = AlertName("ThinPoolDataFullSoon")
    public static let metadataFullSoon = AlertName("ThinPoolMetadataFullSoon")
    public static let unreadable = AlertName("ThinPoolUnreadable")
    public static let devicesStuck = AlertName("ThinPoolDevicesStuck")
    public static let lvmRefusesNewVolumes = AlertName("ThinPoolLVMRefusesNewVolumes")

    /// The alerts the rules evaluate at every reading; any other name is set from outside
    /// (``AlertPublisher``) and left alone when the rules run.
    public static let rules: [AlertName] = [
        .dataUsage, .metadataUsage, .nearMinFreeSpace, .lowWaterMark, .outOfDataSpace, .readOnly, .failed, .needsCheck,
        .dataFullSoon, .metadataFullSoon, .unreadable, .devicesStuck, .lvmRefusesNewVolumes,
    ]

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }

    public static func < (a: AlertName, b: AlertName) -> Bool { a.rawValue < b.rawValue }
    public var description: String { rawValue }
}
