import Foundation
import Testing
import ThinPoolCore

@testable import DeviceMapper

@Suite struct FixtureDeviceMapperTests {
    static let demo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../fixtures/demo").standardized.path

    func tempDir(_ files: [String: String]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fixture-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return dir.path
    }

    @Test func readsTheDemoCapture() throws {
        let dm = FixtureDeviceMapper(directory: Self.demo)
        let list = try dm.listDevices()
        #expect(list.count == 14)
        let pool = try #require(list.first { $0.name == "docker-8:1-1048577-pool" })
        #expect(pool.number == DeviceNumber(major: 254, minor: 0))
        #expect(pool.eventNumber == 1)
        let status = try dm.status("docker-thinpool-tpool")
        #expect(status.info.uuid?.hasPrefix("LVM-") == true)
        #expect(status.targets.map(\.type) == ["thin-pool"])
        #expect(try dm.dependencies("broken-thin") == [DeviceNumber(major: 254, minor: 12)])
        #expect(throws: DeviceMapperError(.noSuchDevice, .status, device: "nope", errno: ENXIO)) { try dm.status("nope") }
    }

    @Test func filesAreReReadAtEveryList() throws {
        let dir = try tempDir(["table": "p: 0 100 linear 7:0 0\n", "status": "p: 0 100 linear \n"])
        let dm = FixtureDeviceMapper(directory: dir)
        #expect(try dm.listDevices().map(\.name) == ["p"])
        try "q: 0 100 linear 7:0 0\n".write(toFile: dir + "/table", atomically: true, encoding: .utf8)
        #expect(try dm.listDevices().map(\.name) == ["q"])
        #expect(try dm.listDevices().first?.number == nil)
    }

    @Test func missingAndMalformedFilesAreClearErrors() throws {
        let empty = try tempDir([:])
        do throws(DeviceMapperError) {
            _ = try FixtureDeviceMapper(directory: empty).listDevices()
            Issue.record("no error")
        } catch let e {
            #expect(e.code == .badFixture)
            #expect(e.errno?.rawValue == ENOENT)
            #expect(e.description.contains("\(empty)/table"))
            #expect(e.description.contains("`dmsetup table`"))
        }
        let bad = try tempDir(["table": "p: 0 100 linear 7:0 0\n", "status": "p: 0 100 linear\nthis is not dmsetup\n"])
        do throws(DeviceMapperError) {
            _ = try FixtureDeviceMapper(directory: bad).listDevices()
            Issue.record("no error")
        } catch let e {
            #expect(e.description.hasPrefix("\(bad)/status:2: expected '<device name>:"))
        }
    }

    @Test func writesAreRefused() throws {
        let dm = FixtureDeviceMapper(directory: Self.demo)
        #expect(throws: DeviceMapperError.self) { try dm.resume("full") }
        do throws(DeviceMapperError) { try dm.suspend("full", noFlush: true) } catch let e {
            #expect(e.code == .unsupported)
        }
    }

    /// Saved output whose table and status disagree on a device's target type (here a NUL
    /// inside the type in the table file) is a malformed fixture naming the device and both
    /// types -- not a device silently left out of the report.
    @Test func aTargetTypeTheStatusDoesNotShareIsAnError() throws {
        let dir = URL(fileURLWithPath: Self.demo).deletingLastPathComponent().appendingPathComponent("issue23-target-type-differs").path
        do {
            _ = try FixtureDeviceMapper(directory: dir).listDevices()
            Issue.record("the fixture was read")
        } catch {
            #expect(error.code == .badFixture)
            #expect(
                error.description
                    == "\(dir)/status:1: device docker-253:0-1234-pool: its table (\(dir)/table:1) has target \"thin-po\\0ol\" at 0+2097152, its status \"thin-pool\" at 0+2097152"
            )
        }
    }

    @Test func aStatusWithAnotherNumberOfTargetsIsAnError() throws {
        let dir = try tempDir(["table": "p: 0 100 linear 7:0 0\np: 100 100 linear 7:1 0\n", "status": "p: 0 100 linear \n"])
        #expect(throws: DeviceMapperError.self) { try FixtureDeviceMapper(directory: dir).listDevices() }
        let fine = try tempDir(["table": "p: 0 100 linear 7:0 0\n", "status": ""])
        #expect(
            try FixtureDeviceMapper(directory: fine).listDevices().map(\.name) == ["p"],
            "a device without status lines was captured at another moment")
    }
}
