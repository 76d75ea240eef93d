import ThinPoolCore

/// The pool families of one scrape, each made empty from its descriptor and filled by the
/// groups; written in the order of the descriptors.
public struct PoolFamilies {
    private var families: [String: MetricFamily]
    private let order: [MetricDescriptor]

    public init(_ descriptors: [MetricDescriptor]) {
        order = descriptors
        families = Dictionary(uniqueKeysWithValues: descriptors.map { ($0.name, $0.family()) })
    }

    /// Adds a sample to `d`'s family. Precondition: `d` is one of the descriptors and
    /// `values` has one value per label.
    public mutating func add(_ d: MetricDescriptor, _ values: [String], _ v: SampleValue) { families[d.name]!.add(values: values, v) }

    /// Adds a byte count, when there is one.
    public mutating func bytes(_ d: MetricDescriptor, _ values: [String], _ b: Bytes?) {
        if let b { add(d, values, .integer(b.rawValue)) }
    }

    /// The families, in the descriptors' order.
    public var all: [MetricFamily] { order.map { families[$0.name]! } }
}
