/// A metric family described once: name, type, help text and the names of its labels.
/// Collectors keep their descriptors as constants and make families from them, so a family's
/// description lives in one place and every series of it has the same labels in the same order.
public struct MetricDescriptor: Sendable, Hashable {
    public let name: String
    public let kind: MetricFamily.Kind
    public let help: String
    public let labels: [String]

    public init(_ name: String, _ kind: MetricFamily.Kind, help: String, labels: [String] = []) {
        precondition(MetricFamily.isValidName(name), "invalid metric name \(name)")
        self.name = name
        self.kind = kind
        self.help = help
        self.labels = labels
    }

    /// An empty family of this description.
    public func family() -> MetricFamily {
        var f = MetricFamily(name, kind, help: help)
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
