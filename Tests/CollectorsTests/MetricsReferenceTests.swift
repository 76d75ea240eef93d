import Foundation
import TestSupport
import Testing
import ThinPoolCore

@testable import Collectors

/// docs/metrics.md is the descriptors, and the descriptors are what /metrics serves.
@Suite struct MetricsReferenceTests {
    @Test func thePageIsMadeFromTheDescriptors() throws {
        try Golden(Repo.root.appendingPathComponent("docs")).expect(MetricsReference.markdown(), "metrics.md")
    }

    @Test func everyNameIsDescribedOnce() {
        let names = CollectorRegistry.descriptors.map(\.name)
        #expect(Set(names).count == names.count, "\(Dictionary(grouping: names) { $0 }.filter { $0.value.count > 1 }.keys)")
    }
}
