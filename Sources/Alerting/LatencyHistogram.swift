import Foundation
import Logging
import SystemIO
import ThinPoolCore

/// Delivery latencies in fixed buckets.
public struct LatencyHistogram: Sendable, Equatable {
    public static let bounds: [Double] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800]
    public private(set) var counts = [UInt64](repeating: 0, count: bounds.count)
    public private(set) var sum = 0.0
    public private(set) var count: UInt64 = 0

    public init() {}

    mutating func observe(_ seconds: Double) {
        for (i, b) in Self.bounds.enumerated() where seconds <= b { counts[i] += 1 }
        sum += seconds
        count += 1
    }

    public var cumulative: [UInt64] { counts }
}
