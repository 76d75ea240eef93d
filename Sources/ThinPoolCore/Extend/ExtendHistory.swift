import Foundation

/// Past attempts for one pool's data or metadata.
public struct ExtendHistory: Sendable, Equatable, Codable {
    public var lastAction: Date?
    public var failures = 0
    public var lastFailure: Date?

    public init() {}
}
