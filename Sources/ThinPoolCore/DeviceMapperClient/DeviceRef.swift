/// A device named in a table: `major:minor` as the kernel prints it, or a path as a user may
/// write it (`/dev/loop0`, `/dev/mapper/pool`).
public enum DeviceRef: Hashable, Sendable, CustomStringConvertible {
    case number(DeviceNumber)
    case path(String)

    public init(_ text: some StringProtocol) {
        if let number = DeviceNumber(text) { self = .number(number) } else { self = .path(String(text)) }
    }

    public var number: DeviceNumber? {
        if case .number(let n) = self { return n }
        return nil
    }

    public var description: String {
        switch self {
        case .number(let n): return n.description
        case .path(let p): return p
        }
    }
}
