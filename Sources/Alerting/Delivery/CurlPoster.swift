import CCurlShims
import Foundation
import ThinPoolCore

/// POSTs through libcurl: timeouts, TLS verification, no redirects.
public struct CurlPoster: HTTPPoster {
    public init() {}

    /// Initializes libcurl now, so the first alert does not wait for it.
    public func warmUp() { cthp_init() }

    public func post(_ request: OutgoingRequest, timeout: Duration, caFile: String?) -> PostOutcome {
        var result = cthp_result()
        let timeoutMs = max(1, Int(timeout.seconds * 1000))
        let headerLines = request.headers.map { "\($0.0): \($0.1)" }
        // C strings that live for the call.
        var cHeaders: [UnsafeMutablePointer<CChar>?] = headerLines.map { strdup($0) }
        defer { for h in cHeaders { free(h) } }
        let code = cHeaders.withUnsafeMutableBufferPointer { h in
            request.body.withUnsafeBytes { body in
                h.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: h.count) { hp in
                    cthp_post(
                        request.url, hp, h.count, body.baseAddress, body.count, timeoutMs,
                        min(timeoutMs, 5000), caFile, &result)
                }
            }
        }
        let error = withUnsafeBytes(of: result.error) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if code != 0 { return .failed(message: error, seconds: result.seconds) }
        let body = withUnsafeBytes(of: result.body) { String(decoding: $0.prefix(result.body_length), as: UTF8.self) }
        return .response(status: Int(result.status), body: body, seconds: result.seconds)
    }
}
