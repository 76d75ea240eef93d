import Foundation

#if canImport(Glibc)
    import Glibc
#endif

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
    /// Where the space went: exclusive and shared bytes per thin volume from a metadata
    /// snapshot, and what a trim would win back.
    public var spaceScan = SpaceScanSettings()
    /// The docker version whose words `docker info`'s lines are in; nil: asked of docker's API.
    /// Read at start.
    public var dockerVersion: String?

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

    public init(match: [String], policy: PoolPolicy) {
        self.match = match
        self.policy = policy
    }

    public func matches(_ pool: String) -> Bool { match.contains { glob($0, pool) } }
}
