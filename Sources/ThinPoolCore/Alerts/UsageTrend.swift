/// Time-to-full from a linear fit (least squares) of used space over a window of samples.
/// A resize (total changes) starts a new history: the old trend no longer describes the pool.
public struct UsageTrend: Sendable, Equatable, Codable {
    public struct Sample: Sendable, Equatable, Codable {
        public var time: Double
        public var used: Double
    }

    public private(set) var samples: [Sample] = []
    public private(set) var total: Double = 0

    public init() {}

    /// Adds a reading taken at `time` (seconds); keeps the samples within `window` of it.
    public mutating func add(time: Double, used: UInt64, total: UInt64, window: Double) {
        if Double(total) != self.total {
            samples.removeAll()
            self.total = Double(total)
        }
        if let last = samples.last, time <= last.time {
            samples[samples.count - 1].used = Double(used)  // same instant: the newer reading wins
        } else {
            samples.append(Sample(time: time, used: Double(used)))
        }
        samples.removeAll { $0.time < time - window }
    }

    /// Seconds from `now` until used reaches total, or nil: too few samples, spanning too short
    /// a time, or not growing.
    public func secondsToFull(now: Double, minSamples: Int) -> Double? {
        secondsUntil(total, now: now, minSamples: minSamples)
    }

    /// Seconds from `now` until used reaches `limit` (bytes: the pool's total, or less -- the
    /// space docker counts as available, capped by the filesystem under a loop file; the point
    /// where docker refuses new devices), or nil as for ``secondsToFull(now:minSamples:)``.
    public func secondsUntil(_ limit: Double, now: Double, minSamples: Int) -> Double? {
        guard let slope = slope(minSamples: minSamples) else { return nil }
        // Growth below one byte a minute is no trend.
        guard slope > 1.0 / 60 else { return nil }
        let n = Double(samples.count)
        let meanT = samples.reduce(0) { $0 + $1.time } / n
        let meanU = samples.reduce(0) { $0 + $1.used } / n
        // From the fitted line, not the last sample: one noisy reading moves the answer little.
        let usedNow = meanU + slope * (now - meanT)
        return max(0, (limit - usedNow) / slope)
    }

    /// Bytes per second, least squares over the samples; nil with too few of them or none
    /// apart in time.
    public func slope(minSamples: Int) -> Double? {
        guard samples.count >= max(2, minSamples), let first = samples.first, let last = samples.last,
            last.time - first.time > 0
        else { return nil }
        let n = Double(samples.count)
        let meanT = samples.reduce(0) { $0 + $1.time } / n
        let meanU = samples.reduce(0) { $0 + $1.used } / n
        var sxx = 0.0
        var sxy = 0.0
        for s in samples {
            sxx += (s.time - meanT) * (s.time - meanT)
            sxy += (s.time - meanT) * (s.used - meanU)
        }
        guard sxx > 0 else { return nil }
        return sxy / sxx
    }
}
