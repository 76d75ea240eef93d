import Foundation
import Logging
import SystemIO
import ThinPoolCore

/// The alerting's numbers at one moment: what the exporter turns into metrics.
public struct AlertingStats: Sendable {
    public struct Receiver: Sendable {
        public var name: String
        /// Attempts by result: delivered, retried, rejected, expired, dropped.
        public var results: [String: UInt64]
        public var pending: Int
        public var latency: LatencyHistogram
    }

    public var firing: [ActiveAlert] = []
    public var receivers: [Receiver] = []
    /// Seconds to full by pool, where it is filling.
    public var forecasts: [(pool: String, forecast: AlertRules.Forecasts)] = []
    /// nil without a state directory.
    public var stateWritable: Bool?

    public init() {}
}
