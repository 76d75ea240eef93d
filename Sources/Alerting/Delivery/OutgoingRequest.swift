import Foundation
import SystemIO
import ThinPoolCore

/// The request a receiver gets: URL, headers and body, rendered at send time (secrets are read
/// then and never stored).
public struct OutgoingRequest: Sendable {
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(url: String, headers: [(String, String)], body: [UInt8]) {
        self.url = url
        self.headers = headers
        self.body = body
    }
}
