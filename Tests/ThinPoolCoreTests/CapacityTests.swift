import Testing

@testable import ThinPoolCore

/// docker info parity: DESIGN.md's reference host, byte-exact and string-exact.
@Suite struct CapacityTests {
    static let referenceTable = try! ThinPoolTable(parsing: "7:1 7:0 128 32768 1 skip_block_zeroing")
    static let referenceStatus = try! ThinPoolStatus(
        parsing: "65465 11492/4161600 581965/3276800 - rw no_discard_passdown queue_if_no_space -"
    ).working!

    func reference(percent: UInt64 = 10, dataBacking: Bytes? = nil, metadataBacking: Bytes? = nil) throws -> PoolCapacity {
        try PoolCapacity.compute(
            table: Self.referenceTable, length: Sectors(419_430_400), status: Self.referenceStatus,
            minFreeSpacePercent: percent, dataBackingFree: dataBacking, metadataBackingFree: metadataBacking)
    }

    @Test func referenceHostBytes() throws {
        let c = try reference()
        #expect(c.blockSize == Bytes(65_536))
        #expect(c.data.used == Bytes(38_139_658_240))
        #expect(c.data.total == Bytes(214_748_364_800))
        #expect(c.data.available == Bytes(176_608_706_560))
        #expect(c.metadata.used == Bytes(47_071_232))
        #expect(c.metadata.total == Bytes(17_045_913_600))
        #expect(c.metadata.available == Bytes(16_998_842_368))
        #expect(c.minFreeSpace == Bytes(21_474_836_480))
        #expect(c.minFreeDataBlocks == 327_680)
        #expect(c.minFreeMetadataBlocks == 416_160)
        #expect(!c.dockerRefuses)
    }

    @Test func referenceHostDockerStrings() throws {
        let c = try reference()
        let h: (Bytes) -> String = DockerUnits.humanSize
        #expect(h(c.blockSize) == "65.54kB")
        #expect(h(c.data.used) == "38.14GB")
        #expect(h(c.data.total) == "214.7GB")
        #expect(h(c.data.available) == "176.6GB")
        #expect(h(c.metadata.used) == "47.07MB")
        #expect(h(c.metadata.total) == "17.05GB")
        #expect(h(c.metadata.available) == "17GB")
        #expect(h(c.minFreeSpace) == "21.47GB")
    }

    @Test func availableIsCappedByTheLoopFilesFilesystem() throws {
        let c = try reference(dataBacking: Bytes(1_000_000), metadataBacking: Bytes(20_000_000_000))
        #expect(c.data.available == Bytes(1_000_000))
        #expect(c.data.availableLimitedByBacking)
        // More free space on the filesystem than in the pool: no cap.
        #expect(c.metadata.available == Bytes(16_998_842_368))
        #expect(!c.metadata.availableLimitedByBacking)
    }

    @Test func dockerRefusesBelowTheMinimum() throws {
        let table = try ThinPoolTable(parsing: "7:3 7:4 128 64 0")
        func capacity(_ status: String, _ percent: UInt64) throws -> PoolCapacity {
            try PoolCapacity.compute(
                table: table, length: Sectors(32768),
                status: try #require(try ThinPoolStatus(parsing: status).working),
                minFreeSpacePercent: percent)
        }
        // 10% of 256 blocks = 25: 231 used leaves 25 free (allowed), 232 leaves 24 (refused).
        #expect(!(try capacity("0 100/1024 231/256 - rw", 10)).dockerRefusesData)
        #expect(try capacity("0 100/1024 232/256 - rw", 10).dockerRefusesData)
        // Metadata: 10% of 1024 = 102.
        #expect(try capacity("0 923/1024 0/256 - rw", 10).dockerRefusesMetadata)
        #expect(!(try capacity("0 922/1024 0/256 - rw", 10)).dockerRefusesMetadata)
        // A tiny pool still keeps one block: max(1, 9 * 10 / 100 = 0).
        let tiny = try PoolCapacity.compute(
            table: table, length: Sectors(1152),
            status: try #require(try ThinPoolStatus(parsing: "0 1/1024 9/9 - rw").working))
        #expect(tiny.minFreeDataBlocks == 1)
        #expect(tiny.minFreeSpace == Bytes(0))
        #expect(tiny.dockerRefusesData)
        // dm.min_free_space=0% disables docker's check.
        let off = try capacity("0 1024/1024 256/256 - out_of_data_space", 0)
        #expect(!off.dockerRefuses)
    }

    @Test func lowWaterMark() throws {
        let table = try ThinPoolTable(parsing: "7:0 7:1 128 3584 0")
        let below = try PoolCapacity.compute(
            table: table, length: Sectors(524_288),
            status: try #require(try ThinPoolStatus(parsing: "0 10/4096 640/4096 - rw").working))
        #expect(below.lowWaterMark == Bytes(3584 * 65536))
        #expect(below.atLowWaterMark)  // 3456 free <= 3584
        let above = try PoolCapacity.compute(
            table: table, length: Sectors(524_288),
            status: try #require(try ThinPoolStatus(parsing: "0 10/4096 511/4096 - rw").working))
        #expect(!above.atLowWaterMark)  // 3585 free
    }

    @Test func numbersBeyond64BitBytesAreAnErrorNotATrap() throws {
        let table = try ThinPoolTable(parsing: "7:0 7:1 2097152 0")
        let status = try #require(try ThinPoolStatus(parsing: "0 1/\(UInt64.max) 1/\(UInt64.max / 2) - rw").working)
        #expect(throws: CapacityError.overflow("total data")) {
            try PoolCapacity.compute(table: table, length: Sectors(1), status: status)
        }
        let meta = try #require(try ThinPoolStatus(parsing: "0 1/\(UInt64.max) 1/2 - rw").working)
        #expect(throws: CapacityError.overflow("total metadata")) {
            try PoolCapacity.compute(table: table, length: Sectors(1), status: meta)
        }
        // The percentage of a huge total does not overflow either.
        #expect(percentOf(UInt64.max, 99) == 18_262_276_632_972_456_098)
        #expect(throws: CapacityError.percentOutOfRange(100)) {
            try PoolCapacity.compute(table: table, length: Sectors(1), status: meta, minFreeSpacePercent: 100)
        }
    }
}

@Suite struct DockerUnitsTests {
    @Test(
        arguments: [
            (0, "0B"), (999, "999B"), (1000, "1kB"), (1023, "1.023kB"), (65536, "65.54kB"),
            (524_288, "524.3kB"), (999_950, "1000kB"), (1_000_000, "1MB"), (107_374_182_400, "107.4GB"),
            (UInt64.max, "18.45EB"),
        ] as [(UInt64, String)])
    func humanSize(bytes: UInt64, text: String) {
        #expect(DockerUnits.humanSize(bytes) == text)
    }

    /// Sums and products of outside figures hold at the largest value instead of trapping.
    @Test func saturatingArithmetic() {
        #expect(UInt64(2).saturatingAdding(3) == 5)
        #expect((UInt64.max - 1).saturatingAdding(5) == .max)
        #expect(UInt64(1 << 40).saturatingMultiplying(by: 1 << 20) == 1 << 60)
        #expect(UInt64(1 << 40).saturatingMultiplying(by: 1 << 30) == .max)
        #expect(BlockRange(start: .max - 1, count: 10).end == .max)
    }
}
