/// A request as the router sees it (the server has read it whole, within limits).
public struct HTTPRequest: Sendable {
    public var method: String
    /// The path without the query string.
    public var path: String
    public var query: String?
    /// Header values by lowercased name (the first of repeated ones).
    public var headers: [String: String]

    public init(method: String, uri: String, headers: [String: String]) {
        self.method = method
        if let q = uri.firstIndex(of: "?") {
            path = String(uri[..<q])
            query = String(uri[uri.index(after: q)...])
        } else {
            path = uri
            query = nil
        }
        self.headers = headers
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// A response: status, headers and the whole body.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var reason: String
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(
        status: Int, reason: String, contentType: String? = "text/plain; charset=utf-8",
        headers: [(String, String)] = [], body: String
    ) {
        self.status = status
        self.reason = reason
        self.headers = (contentType.map { [("Content-Type", $0)] } ?? []) + headers
        self.body = Array(body.utf8)
    }

    public init(
        status: Int, reason: String, contentType: String? = "text/plain; charset=utf-8",
        headers: [(String, String)] = [], body: [UInt8]
    ) {
        self.status = status
        self.reason = reason
        self.headers = (contentType.map { [("Content-Type", $0)] } ?? []) + headers
        self.body = body
    }

    static func text(_ status: Int, _ reason: String, _ body: String, headers: [(String, String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, reason: reason, headers: headers, body: body)
    }
}
