import Logging
import ThinPoolCore

/// Answers requests: the metrics at the telemetry path, the landing page at `/`, the pools
/// as JSON at `/api/v1/pools` (the same as `status --json`), and `/healthz`. Runs on a
/// blocking thread pool: collecting pools makes ioctls, and bcrypt is slow by design.
public struct Router: Sendable {
    public var telemetryPath: String
    /// The metrics' text in a format, collected after the request arrived.
    public var metrics: @Sendable (ExpositionFormat) -> [UInt8]
    /// The pools, read fresh (the same reader as `status` and the metrics).
    public var pools: @Sendable () throws -> HostReading
    public var auth: BasicAuth
    /// Added to every response (web config http_server_config.headers).
    public var extraHeaders: [(String, String)]
    public var version: String
    public var logger: Logger
    /// What the agent knows beyond a reading, per pool, for the landing page: its firing
    /// alerts and forecasts (empty without an agent).
    public var agentView: @Sendable () -> [String: PoolAgentView] = { [:] }

    public init(
        telemetryPath: String, metrics: @escaping @Sendable (ExpositionFormat) -> [UInt8],
        pools: @escaping @Sendable () throws -> HostReading,
        auth: BasicAuth, extraHeaders: [(String, String)] = [], version: String, logger: Logger
    ) {
        self.telemetryPath = telemetryPath
        self.metrics = metrics
        self.pools = pools
        self.auth = auth
        self.extraHeaders = extraHeaders
        self.version = version
        self.logger = logger
    }

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        var response = route(request)
        response.headers += extraHeaders
        return response
    }

    private func route(_ request: HTTPRequest) -> HTTPResponse {
        guard request.method == "GET" || request.method == "HEAD" else {
            return .text(405, "Method Not Allowed", "Only GET and HEAD.\n", headers: [("Allow", "GET, HEAD")])
        }
        if auth.isEnabled, !auth.check(authorization: request.header("authorization")) {
            return .text(401, "Unauthorized", "Unauthorized\n", headers: [("WWW-Authenticate", "Basic realm=\"thinpool-exporter\"")])
        }
        switch request.path {
        case telemetryPath:
            let format = ExpositionFormat.negotiate(accept: request.header("accept"))
            return HTTPResponse(status: 200, reason: "OK", contentType: format.contentType, body: metrics(format))
        case "/":
            let report = Result { try pools() }
            return HTTPResponse(
                status: 200, reason: "OK", contentType: "text/html; charset=utf-8",
                body: LandingPage.render(report, telemetryPath: telemetryPath, version: version, agent: agentView()))
        case "/api/v1/pools":
            do {
                return HTTPResponse(
                    status: 200, reason: "OK", contentType: "application/json",
                    body: PoolJSON.report(try pools()).serialized(pretty: true))
            } catch {
                return HTTPResponse(
                    status: 503, reason: "Service Unavailable", contentType: "application/json",
                    body: JSONValue.object(["error": .string("\(error)")]).serialized(pretty: true))
            }
        case "/healthz":
            return .text(200, "OK", "ok\n")
        default:
            return .text(404, "Not Found", "Not found. Try \(telemetryPath), /api/v1/pools or /.\n")
        }
    }
}
