import Foundation
import ThinPoolCore

/// Sends one request. Implementations block; callers run them on their own threads.
public protocol HTTPPoster: Sendable {
    func post(_ request: OutgoingRequest, timeout: Duration, caFile: String?) -> PostOutcome
    /// Pays the transport's first-use costs now, so the first alert does not wait for them.
    func warmUp()
}

extension HTTPPoster {
    public func warmUp() {}
}
