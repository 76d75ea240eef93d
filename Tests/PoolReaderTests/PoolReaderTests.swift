import TestSupport
import Testing
import ThinPool

@testable import PoolReader

@Suite struct PoolReaderTests {
    func host() -> ScriptedDeviceMapper {
        let dm = ScriptedDeviceMapper()
        dm.add(
            "pool", minor: 0, table: "0 65536 thin-pool 7:0 7:1 128 16 0",
            status: "0 65536 thin-pool 0 10/1024 2/512 - rw discard_passdown queue_if_no_space - 256")
        dm.add("thin", minor: 1, table: "0 4096 thin 254:0 1", status: "0 4096 thin 128 127")
        dm.add("meta", minor: 2, table: "0 100 linear 7:2 0", status: "0 100 linear ")
        dm.add(
            "pool2", minor: 3, table: "0 65536 thin-pool 7:3 7:4 128 16 0",
            status: "0 65536 thin-pool 0 10/1024 500/512 - rw discard_passdown queue_if_no_space - 256")
        return dm
    }

    @Test func readsPoolsWithVolumesAndCapacity() throws {
        let dm = host()
        let report = try PoolReader(client: dm, backing: NoLoopBacking()).read()
        #expect(report.deviceCount == 4)
        #expect(report.pools.map(\.name) == ["pool", "pool2"])
        let pool = report.pools[0]
        #expect(pool.snapshot?.thinVolumes.map(\.name) == ["thin"])
        #expect(pool.capacity?.data.used == Bytes(2 * 65536))
        // STATUS only for pools and thin volumes, never for the linear device.
        #expect(dm.calls("STATUS meta") == 0)
        #expect(dm.calls("STATUS") == 3)
    }

    @Test func tablesAreCachedWhileTheTableGenerationStandsStill() throws {
        let dm = host()
        let reader = PoolReader(client: dm, backing: NoLoopBacking())
        _ = try reader.read()
        #expect(dm.calls("TABLE") == 4)
        _ = try reader.read()
        #expect(dm.calls("TABLE") == 4, "an unchanged host needs no TABLE")
        // A reload + resume swaps the table without moving the device's event number (the
        // kernel moves only its global event counter): the generation moves, tables are read again.
        dm.state.withLock {
            $0.devices["pool2"]!.table[0].params = "7:3 7:4 128 16 1 error_if_no_space"
            $0.generation = 1
        }
        var report = try reader.read()
        #expect(dm.calls("TABLE") == 8)
        #expect(report.pools[1].snapshot?.table.has(.errorIfNoSpace) == true)
        // The fast path sees it too.
        dm.state.withLock {
            $0.devices["pool2"]!.table[0].params = "7:3 7:4 128 16 0"
            $0.generation = 2
        }
        #expect(try reader.read(pool: "pool2").snapshot?.table.has(.errorIfNoSpace) == false)
        // A device event alone (same generation in a fixture) also means a new read.
        dm.state.withLock { $0.devices["pool2"]!.info.eventNumber = 2 }
        report = try reader.read()
        #expect(report.pools[1].snapshot?.eventNumber == 2)
    }

    @Test func withoutATableGenerationNothingIsCached() throws {
        let dm = host()
        dm.state.withLock { $0.generation = nil }
        let reader = PoolReader(client: dm, backing: NoLoopBacking())
        _ = try reader.read()
        _ = try reader.read()
        #expect(dm.calls("TABLE") == 8)
    }

    @Test func aDeviceRemovedMidReadIsDroppedAndTheOthersReported() throws {
        let dm = host()
        dm.state.withLock { _ = $0.vanishOnStatus.insert("pool") }
        let report = try PoolReader(client: dm, backing: NoLoopBacking()).read()
        #expect(report.pools.map(\.name) == ["pool2"])
        #expect(report.pools[0].error == nil)
        #expect(report.unattributedThinVolumes == ["thin"])
    }

    @Test func aStatusFailureIsThatPoolsErrorOnly() throws {
        let dm = host()
        dm.state.withLock { $0.statusErrors["pool2"] = DeviceMapperError(.busy, .status, device: "pool2", errno: 16) }
        let report = try PoolReader(client: dm, backing: NoLoopBacking()).read()
        #expect(report.pools.map(\.name) == ["pool", "pool2"])
        #expect(report.pools[0].error == nil)
        #expect(report.pools[1].error == .device(DeviceMapperError(.busy, .status, device: "pool2", errno: 16)))
    }

    @Test func globalFailuresThrow() {
        let dm = host()
        dm.state.withLock { $0.listError = DeviceMapperError(.permissionDenied, .list, errno: 13) }
        #expect(throws: DeviceMapperError(.permissionDenied, .list, errno: 13)) {
            try PoolReader(client: dm, backing: NoLoopBacking()).read()
        }
    }

    @Test func onePoolFastPath() throws {
        let dm = host()
        let reader = PoolReader(client: dm, backing: NoLoopBacking())
        _ = try reader.read()
        let before = dm.calls("")
        let one = try reader.read(pool: "pool2")
        #expect(one.capacity?.data.usedBlocks == 500)
        #expect(dm.calls("") - before == 1, "one STATUS, the table from the cache")
        // A device that is not a pool is a reading saying so; a device that is gone throws.
        #expect(try reader.read(pool: "meta").error == .notAPool(device: "meta", tableTypes: ["linear"]))
        #expect(throws: DeviceMapperError.self) { try reader.read(pool: "nope") }
    }

    @Test func minFreeSpacePerPool() throws {
        let report = try PoolReader(
            client: host(), backing: NoLoopBacking(),
            minFreeSpacePercent: { name, _ in name == "pool2" ? 0 : 20 }
        ).read()
        #expect(report.pools[0].capacity?.minFreeSpacePercent == 20)
        #expect(report.pools[1].capacity?.dockerRefuses == false)
    }
}
