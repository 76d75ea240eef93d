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
    /// ThinPoolLVMRefusesNewVolumes (critical): lvcreate would refuse a thin volume in an LVM pool.
    public var lvmRefusesNewVolumes = true
    /// A device of the pool suspended, with an inactive table or a deferred removal for this
    /// long (a failed thin volume at once): ThinPoolDevicesStuck. nil disables it.
    public var stuckAfter: Duration? = .seconds(60)

    public init() {}
}
