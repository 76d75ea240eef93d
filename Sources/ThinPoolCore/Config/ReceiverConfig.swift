public struct ReceiverConfig: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// Alertmanager's webhook v4 JSON, to any URL.
        case webhook
        /// Alertmanager API v2: POST /api/v2/alerts.
        case alertmanager
        /// Slack incoming webhook.
        case slack
        /// PagerDuty Events API v2.
        case pagerduty
        /// A program of the operator's, run (no shell) with the alert in its environment, as
        /// dmeventd's thin_command.
        case command
    }

    /// Where the URL comes from: the config, or a file (a secret, never logged).
    public enum Secret: Sendable, Equatable {
        case value(String)
        case file(String)
    }

    public var name: String
    public var kind: Kind
    public var url: Secret
    /// Webhook only: HMAC-SHA256 of the body with this secret, in `X-Thinpool-Signature`.
    public var hmacSecretFile: String?
    /// PagerDuty only: the integration's routing key.
    public var routingKey: Secret?
    public var timeout: Duration = .seconds(10)
    public var retryInitial: Duration = .seconds(1)
    public var retryMax: Duration = .seconds(300)
    /// A notification still undelivered after this long is dropped (and counted).
    public var maxAge: Duration = .seconds(24 * 3600)
    /// Alertmanager only: how often firing alerts are sent again (Alertmanager resolves alerts
    /// it stops hearing about).
    public var resendInterval: Duration = .seconds(60)
    public var sendResolved = true
    /// Route: only these severities (all when empty).
    public var severities: Set<String> = []
    /// Route: only pools matching these globs.
    public var poolGlobs: [String] = ["*"]
    /// Extra CA certificates (PEM) for https URLs.
    public var caFile: String?
    /// Command receivers: the program (an absolute path) and its arguments.
    public var command: [String] = []

    public init(name: String, kind: Kind, url: Secret) {
        self.name = name
        self.kind = kind
        self.url = url
    }

    /// Whether an alert of `severity` on `pool` goes to this receiver.
    public func routes(severity: String, pool: String) -> Bool {
        (severities.isEmpty || severities.contains(severity)) && poolGlobs.contains { glob($0, pool) }
    }
}
