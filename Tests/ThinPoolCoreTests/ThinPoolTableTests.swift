import Testing

@testable import ThinPoolCore

@Suite struct ThinPoolTableTests {
    @Test func dockerLoopLvmTable() throws {
        let t = try ThinPoolTable(parsing: "7:5 7:6 128 32768 1 skip_block_zeroing")
        #expect(t.metadataDevice == .number(DeviceNumber(major: 7, minor: 5)))
        #expect(t.dataDevice == .number(DeviceNumber(major: 7, minor: 6)))
        #expect(t.blockSize == Sectors(128))
        #expect(t.lowWaterMark == DataBlocks(32768))
        #expect(t.features == [.skipBlockZeroing])
        #expect(t.description == "7:5 7:6 128 32768 1 skip_block_zeroing")
    }

    @Test func kernelPrintsAZeroFeatureCount() throws {
        let t = try ThinPoolTable(parsing: "7:0 7:2 128 16 0 ")
        #expect(t.features.isEmpty)
        #expect(t.description == "7:0 7:2 128 16 0")
    }

    @Test func handTypedTablesMayOmitTheCountAndUsePaths() throws {
        let t = try ThinPoolTable(parsing: "/dev/loop0 /dev/loop1 1024 0")
        #expect(t.metadataDevice == .path("/dev/loop0"))
        #expect(t.blockSize == Sectors(1024))
    }

    @Test func everyFeature() throws {
        let t = try ThinPoolTable(
            parsing: "254:4 254:5 1024 0 5 skip_block_zeroing ignore_discard no_discard_passdown read_only error_if_no_space")
        #expect(t.features == ThinPoolTable.Feature.allCases)
        #expect(t.has(.errorIfNoSpace))
    }

    @Test(arguments: [
        ("7:5 7:6 128 32768 2 skip_block_zeroing", 5, "feature count", "says 2 feature(s) but 1 follow"),
        ("7:5 7:6 128 32768 1 zero_everything", 6, "feature", "unknown thin-pool feature"),
        ("7:5 7:6 100 32768", 3, "data block size (sectors)", "multiple of 128"),
        ("7:5 7:6 4194304 32768", 3, "data block size (sectors)", "multiple of 128"),
        ("7:5 7:6 128", 4, "low water mark (blocks)", "missing"),
        ("7:5 7:6 128 lots", 4, "low water mark (blocks)", "not a non-negative integer"),
        ("7:5", 2, "data device", "missing"),
    ])
    func malformed(params: String, position: Int, field: String, reason: String) {
        do {
            _ = try ThinPoolTable(parsing: params)
            Issue.record("parsed \(params)")
        } catch {
            #expect(error.position == position, "\(error)")
            #expect(error.field == field, "\(error)")
            #expect(error.reason.contains(reason), "\(error)")
        }
    }

    @Test func thinTable() throws {
        let t = try ThinTable(parsing: "254:0 2")
        #expect(t.poolDevice == .number(DeviceNumber(major: 254, minor: 0)))
        #expect(t.deviceId == 2)
        #expect(t.externalOrigin == nil)
        let e = try ThinTable(parsing: "254:0 7 8:16")
        #expect(e.externalOrigin == .number(DeviceNumber(major: 8, minor: 16)))
        #expect(e.description == "254:0 7 8:16")
        #expect(throws: ParseError.self) { try ThinTable(parsing: "254:0 16777216") }
        #expect(throws: ParseError.self) { try ThinTable(parsing: "254:0 1 8:16 extra") }
        #expect(throws: ParseError.self) { try ThinTable(parsing: "Fail") }
    }
}
