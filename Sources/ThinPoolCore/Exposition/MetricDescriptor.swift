/// A metric family described once: name, type, help text and the names of its labels.
/// Collectors keep their descriptors as constants and make families from them, so a family's
/// description lives in one place and every series of it has the same labels in the same order.
///
/// `name` is the name Prometheus shows (and `grep` finds): a counter's ends in `_total`, an info
/// metric's in `_info`; the family's name in OpenMetrics is ``familyName``, without the suffix.
public struct MetricDescriptor: Sendable, Hashable {
    public let name: String
    public let kind: MetricFamily.Kind
    public let help: String
    public let labels: [String]

    /// Precondition: `name` is a valid metric name with the suffix its kind has in the text
    /// format (`_total` for a counter, `_info` for an info metric).
    public init(_ name: String, _ kind: MetricFamily.Kind, help: String, labels: [String] = []) {
        precondition(MetricFamily.isValidName(name), "invalid metric name \(name)")
        if let suffix = Self.suffix(kind) {
            precondition(name.hasSuffix(suffix) && name.count > suffix.count, "a \(kind.rawValue) is named NAME\(suffix), not \(name)")
        }
        self.name = name
        self.kind = kind
        self.help = help
        self.labels = labels
    }

    /// The suffix a kind's samples carry in the text format.
    public static func suffix(_ kind: MetricFamily.Kind) -> String? {
        switch kind {
        case .counter: return "_total"
        case .info: return "_info"
        case .gauge, .histogram: return nil
        }
    }

    /// The family's name: ``name`` without its kind's suffix.
    public var familyName: String {
        guard let suffix = Self.suffix(kind) else { return name }
        return String(name.dropLast(suffix.count))
    }

    /// An empty family of this description.
    public func family() -> MetricFamily {
        var f = MetricFamily(familyName, kind, help: help)
        f.labelNames = labels
        return f
    }
}

extension MetricFamily {
    /// Adds a sample whose label values are in the order of the descriptor's labels.
    public mutating func add(values: [String], _ value: SampleValue) {
        precondition(values.count == labelNames.count, "\(name): \(values.count) label values for \(labelNames)")
        samples.append(Sample(labels: zip(labelNames, values).map { Label($0, $1) }, value: value))
    }
}
