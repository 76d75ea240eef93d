/// What the agent knows of a pool beyond its reading, as the landing page shows it: the alerts
/// firing and the forecasts.
public struct PoolAgentView: Sendable, Equatable {
    public struct Firing: Sendable, Equatable {
        public var name: String
        public var severity: String
        public var summary: String
        public init(name: String, severity: String, summary: String) {
            self.name = name
            self.severity = severity
            self.summary = summary
        }
    }
    public var firing: [Firing]
    public var dataSecondsToFull: Double?
    public var metadataSecondsToFull: Double?
    public var dockerRefusesSeconds: Double?

    public init(
        firing: [Firing] = [], dataSecondsToFull: Double? = nil, metadataSecondsToFull: Double? = nil,
        dockerRefusesSeconds: Double? = nil
    ) {
        self.firing = firing
        self.dataSecondsToFull = dataSecondsToFull
        self.metadataSecondsToFull = metadataSecondsToFull
        self.dockerRefusesSeconds = dockerRefusesSeconds
    }
}

extension PoolAgentView {
    /// Each pool's view, from the alerts firing and the forecasts the alerting keeps.
    public static func byPool(firing: [ActiveAlert], forecasts: [(pool: String, forecast: AlertRules.Forecasts)]) -> [String: PoolAgentView]
    {
        var views: [String: PoolAgentView] = [:]
        for a in firing {
            views[a.key.pool, default: PoolAgentView()].firing.append(
                Firing(name: a.key.name.rawValue, severity: a.severity.rawValue, summary: a.summary))
        }
        for (pool, f) in forecasts {
            views[pool, default: PoolAgentView()].dataSecondsToFull = f.dataSecondsToFull
            views[pool, default: PoolAgentView()].metadataSecondsToFull = f.metadataSoonest
            views[pool, default: PoolAgentView()].dockerRefusesSeconds = f.dockerRefusesSeconds
        }
        return views
    }
}
