import FileIO
import ConfigFile
import Foundation
import ThinPool

/// `--config.file`: what the agent watches, when it alerts, and whom it tells.
/// Every field has a documented default; `deploy/thinpool-exporter.yml` is the commented example.
public struct AgentConfig: Sendable, Equatable {
    /// How often every pool is read even without a dm event (trends, slow growth).
    public var pollInterval: Duration = .seconds(10)
    /// Pending notifications and alert state live here.
    public var stateDirectory = "/var/lib/thinpool-exporter"
    /// The `host` label of alerts.
    public var host: String = AgentConfig.defaultHost
    /// How often an alert that stays firing is announced again.
    public var repeatInterval: Duration = .seconds(4 * 3600)
    /// Which pools are watched (all thin-pool targets by default).
    public var pools = PoolSelection()
    /// Policy for every pool, unless an override matches.
    public var defaults = PoolPolicy()
    /// The first override whose globs match a pool's name gives its policy.
    public var overrides: [PoolOverride] = []
    public var receivers: [ReceiverConfig] = []

    public init() {}

    public static var defaultHost: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// The policy for `pool`.
    public func policy(for pool: String) -> PoolPolicy {
        overrides.first { $0.matches(pool) }?.policy ?? defaults
    }

    /// Whether `pool` is watched.
    public func watches(_ pool: String) -> Bool { pools.matches(pool) }
}

/// Name globs (fnmatch) of pools to include and exclude.
public struct PoolSelection: Sendable, Equatable {
    public var include: [String] = ["*"]
    public var exclude: [String] = []

    public init(include: [String] = ["*"], exclude: [String] = []) {
        self.include = include
        self.exclude = exclude
    }

    public func matches(_ name: String) -> Bool {
        include.contains { glob($0, name) } && !exclude.contains { glob($0, name) }
    }
}

/// fnmatch(3) without flags: `*`, `?`, `[...]`.
public func glob(_ pattern: String, _ name: String) -> Bool {
    fnmatch(pattern, name, 0) == 0
}

public struct PoolOverride: Sendable, Equatable {
    public var match: [String]
    public var policy: PoolPolicy

    public func matches(_ pool: String) -> Bool { match.contains { glob($0, pool) } }
}

/// What applies to one pool.
public struct PoolPolicy: Sendable, Equatable {
    /// docker's dm.min_free_space for this pool; nil: what docker's daemon.json says for its
    /// pool, else docker's default (10).
    public var minFreeSpacePercent: UInt64?
    public var alerts = AlertThresholds()
    public var autoextend = AutoextendPolicy()

    public init() {}
}

/// A used-ratio rule: warning and critical thresholds, and the hysteresis an alert needs to fall
/// below its threshold by before it resolves (so a value dancing at the line does not flap).
public struct RatioRule: Sendable, Equatable {
    public var warning: Double?
    public var critical: Double?
    public var hysteresis: Double

    public init(warning: Double?, critical: Double?, hysteresis: Double = 0.02) {
        self.warning = warning
        self.critical = critical
        self.hysteresis = hysteresis
    }
}

/// Time-to-full: a linear fit of used space over `window`; alert when full is predicted sooner
/// than the horizons.
public struct ForecastRule: Sendable, Equatable {
    public var warning: Duration? = .seconds(6 * 3600)
    public var critical: Duration? = .seconds(3600)
    public var window: Duration = .seconds(1800)
    public var minSamples = 5

    public init() {}
}

public struct AlertThresholds: Sendable, Equatable {
    public var dataUsed = RatioRule(warning: 0.80, critical: 0.90)
    /// Metadata exhaustion needs offline repair: lower defaults.
    public var metadataUsed = RatioRule(warning: 0.70, critical: 0.85)
    /// Alert (warning) when free data space is within this fraction of the pool's size above
    /// docker's minimum free space; critical once docker refuses. nil disables it.
    public var minFreeSpaceMargin: Double? = 0.05
    public var timeToFull = ForecastRule()
    public var lowWater = true
    public var outOfDataSpace = true
    public var readOnly = true
    public var fail = true
    public var needsCheck = true

    public init() {}
}

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
    }

    /// Where the URL comes from: the config, or a file (a secret, never logged).
    public enum Secret: Sendable, Equatable {
        case value(String)
        case file(String)

        /// The value (read from the file now), whitespace trimmed.
        public func resolve() throws -> String {
            switch self {
            case .value(let v): return v
            case .file(let path):
                return try readTextFile(path).trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
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
