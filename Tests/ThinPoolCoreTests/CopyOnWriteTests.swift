import Testing

@testable import ThinPoolCore

/// PoolReading keeps its fields in one shared box: copies must still behave as values.
@Suite struct CopyOnWriteTests {
    static func reading() throws -> PoolReading {
        let snapshot = ThinPool(
            name: "pool", uuid: nil, number: DeviceNumber(major: 254, minor: 0), eventNumber: 1,
            length: Sectors(128_000), table: try ThinPoolTable(parsing: "7:0 7:1 128 0 0"),
            status: try ThinPoolStatus(parsing: "0 10/1000 500/1000 - rw discard_passdown queue_if_no_space - 100"))
        return PoolReading(pool: snapshot, minFreeSpacePercent: 10)
    }

    @Test func aWrittenCopyLeavesTheOriginalAlone() throws {
        let original = try Self.reading()
        var copy = original
        #expect(copy == original)
        copy.pool?.status = try ThinPoolStatus(parsing: "0 10/1000 900/1000 - rw discard_passdown queue_if_no_space - 100")
        copy.computeCapacity(minFreeSpacePercent: 20)
        copy.name = "other"
        #expect(original.name == "pool" && copy.name == "other")
        #expect(original.pool?.status.working?.usedData == DataBlocks(500))
        #expect(copy.pool?.status.working?.usedData == DataBlocks(900))
        #expect(original.capacity?.data.used != copy.capacity?.data.used)
        #expect(original.minFreeSpacePercent == 10 && copy.minFreeSpacePercent == 20)
        #expect(original != copy)
    }

    @Test func capacityIsComputedInPlaceAsANewReadingWouldBe() throws {
        var r = try Self.reading()
        r.pool?.status = .fail
        r.computeCapacity(minFreeSpacePercent: 10)
        #expect(r.capacity == nil && r.error == nil)
        r.pool?.status = try ThinPoolStatus(parsing: "0 10/1000 500/1000 - rw discard_passdown queue_if_no_space - 100")
        r.computeCapacity(minFreeSpacePercent: 100)
        #expect(r.capacity == nil)
        #expect(r.error == .capacity(.percentOutOfRange(100)))
        r.computeCapacity(minFreeSpacePercent: 10)
        #expect(r == (try Self.reading()))
        #expect(r.hashValue == (try Self.reading()).hashValue)
    }
}

@Suite struct StuckStatesTests {
    /// hasStuckStates answers what stuckStates would list, for every flag of the pool and of
    /// a thin volume.
    @Test func hasStuckStatesAgreesWithTheList() throws {
        var pool = try CopyOnWriteTests.reading().pool!
        pool.thinVolumes = [
            ThinVolume(
                name: "t", uuid: nil, number: nil, size: Sectors(8), table: nil,
                status: .active(mapped: Sectors(0), highestMapped: nil))
        ]
        for bits in 0..<(1 << 7) {
            var s = pool
            s.suspended = bits & 1 != 0
            s.inactiveTable = bits & 2 != 0
            s.deferredRemove = bits & 4 != 0
            s.thinVolumes[0].suspended = bits & 8 != 0
            s.thinVolumes[0].inactiveTable = bits & 16 != 0
            s.thinVolumes[0].deferredRemove = bits & 32 != 0
            s.thinVolumes[0].status = bits & 64 != 0 ? .fail : .active(mapped: Sectors(0), highestMapped: nil)
            #expect(s.hasStuckStates == !s.stuckStates.isEmpty, "flags \(bits)")
        }
        #expect(!pool.hasStuckStates)
    }
}
