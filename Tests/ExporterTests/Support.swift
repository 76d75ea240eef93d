import DeviceMapper
import Foundation
import PoolReader
import TestSupport
import Testing
import ThinPool

enum Paths {
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let root = tests.appendingPathComponent("../..").standardized
    static func fixture(_ name: String) -> String { root.appendingPathComponent("fixtures/\(name)").path }
    static let golden = tests.appendingPathComponent("golden")
}

func fixtureReader(_ name: String, percent: UInt64 = 10) -> PoolReader {
    PoolReader(client: FixtureDeviceMapper(directory: Paths.fixture(name)), backing: NoLoopBacking(),
               minFreeSpacePercent: { _ in percent })
}

let golden = Golden(Paths.golden)
