/// A metric family ready to be written: name, help, type and samples, in the order added.
/// Writers never fail on content: every label value and help text is escaped.
public struct MetricFamily: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case gauge
        case counter
        /// An info metric: value 1, the information in its labels (`name_info`).
        case info
        /// A histogram: `_bucket{le=...}`, `_sum` and `_count` samples (see ``addHistogram``).
        case histogram
    }

    /// The family's name without a type suffix (counters' `_total` and infos' `_info` are added
    /// by the writers).
    public var name: String
    public var kind: Kind
    public var help: String
    public var samples: [Sample]
    /// The label names of a family made from a ``MetricDescriptor`` (``add(values:_:)``).
    public var labelNames: [String] = []

    public init(_ name: String, _ kind: Kind, help: String, samples: [Sample] = []) {
        precondition(MetricFamily.isValidName(name), "invalid metric name \(name)")
        self.name = name
        self.kind = kind
        self.help = help
        self.samples = samples
    }

    /// Adds a sample; `labels` in the order they should be written.
    public mutating func add(_ labels: KeyValuePairs<String, String>, _ value: SampleValue) {
        samples.append(Sample(labels: labels.map { Label($0.key, $0.value) }, value: value))
    }

    public mutating func add(_ labels: [Label], _ value: SampleValue) {
        samples.append(Sample(labels: labels, value: value))
    }

    /// Adds one histogram series: cumulative bucket counts for `bounds` (ascending), +Inf,
    /// sum and count.
    public mutating func addHistogram(_ labels: [Label], bounds: [Double], cumulativeCounts: [UInt64], sum: Double, count: UInt64) {
        precondition(kind == .histogram && bounds.count == cumulativeCounts.count)
        for (b, c) in zip(bounds, cumulativeCounts) {
            // OpenMetrics wants canonical floats in `le`: "1.0", not "1".
            let le = b == b.rounded() && abs(b) < 1e15 ? "\(Int64(b)).0" : "\(b)"
            samples.append(Sample(labels: labels + [Label("le", le)], value: .integer(c), suffix: "_bucket"))
        }
        samples.append(Sample(labels: labels + [Label("le", "+Inf")], value: .integer(count), suffix: "_bucket"))
        samples.append(Sample(labels: labels, value: .double(sum), suffix: "_sum"))
        samples.append(Sample(labels: labels, value: .integer(count), suffix: "_count"))
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(48...57).contains(first) else { return false }
        return name.utf8.allSatisfy { c in
            (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c == 95 || c == 58
        }
    }
}

public struct Label: Sendable, Hashable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

public struct Sample: Sendable, Hashable {
    public var labels: [Label]
    public var value: SampleValue
    /// Appended to the family's sample name (histograms' `_bucket`, `_sum`, `_count`).
    public var suffix: String
    public init(labels: [Label], value: SampleValue, suffix: String = "") {
        self.labels = labels
        self.value = value
        self.suffix = suffix
    }
}

/// A sample's value. Byte counts stay integers, written exactly.
public enum SampleValue: Sendable, Hashable, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
    case integer(UInt64)
    case double(Double)

    public init(integerLiteral value: UInt64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(_ flag: Bool) { self = .integer(flag ? 1 : 0) }

    public var text: String {
        switch self {
        case .integer(let i): return String(i)
        case .double(let d):
            if d.isNaN { return "NaN" }
            if d.isInfinite { return d > 0 ? "+Inf" : "-Inf" }
            if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
            return "\(d)"
        }
    }
}
