import Testing

@testable import ThinPoolCore

@Suite struct PoolAssemblerTests {
    func device(
        _ name: String, _ number: (UInt32, UInt32)?, table: String, status: String?,
        deps: [DeviceNumber]? = nil
    ) -> DeviceReading {
        func targets(_ line: String) -> [Target] {
            let w = line.split(separator: " ", maxSplits: 3)
            return [
                Target(
                    start: UInt64(w[0])!, length: UInt64(w[1])!, type: String(w[2]),
                    params: w.count > 3 ? String(w[3]) : "")
            ]
        }
        return DeviceReading(
            info: DeviceInfo(
                name: name, uuid: nil, number: number.map { DeviceNumber(major: $0.0, minor: $0.1) },
                eventNumber: number == nil ? nil : 1),
            table: targets(table), status: status.map(targets), dependencies: deps)
    }

    @Test func joinsThinVolumesToTheirPoolByDeviceNumber() throws {
        let a = PoolAssembler.assemble([
            device("thin-b", (254, 3), table: "0 2048 thin 254:0 2", status: "0 2048 thin 128 127"),
            device(
                "pool", (254, 0), table: "0 65536 thin-pool 7:0 7:1 128 16 0",
                status: "0 65536 thin-pool 0 10/1024 2/512 - rw discard_passdown queue_if_no_space - 256"),
            device("thin-a", (254, 2), table: "0 4096 thin 254:0 1", status: "0 4096 thin 0 -"),
            device("other", (254, 9), table: "0 4096 thin 254:7 1", status: "0 4096 thin 0 -"),
            device("lin", (254, 5), table: "0 100 linear 7:2 0", status: nil),
        ])
        #expect(a.pools.map(\.name) == ["pool"])
        let pool = try a.pools[0].result.get()
        #expect(pool.thinVolumes.map(\.name) == ["thin-a", "thin-b"])
        #expect(pool.thinVolumes[1].status == .active(mapped: Sectors(128), highestMapped: Sectors(127)))
        #expect(pool.thinVolumes[1].size == Sectors(2048))
        #expect(a.unattributedThinVolumes == ["other"])
    }

    @Test func joinsByPathWithoutDeviceNumbers() throws {
        let a = PoolAssembler.assemble([
            device("pool", nil, table: "0 65536 thin-pool /dev/loop0 /dev/loop1 128 16", status: "0 65536 thin-pool 0 10/1024 2/512 -"),
            device("t", nil, table: "0 4096 thin /dev/mapper/pool 1", status: "0 4096 thin 0 -"),
            device("u", nil, table: "0 4096 thin 254:0 1", status: "0 4096 thin 0 -"),
        ])
        #expect(try a.pools[0].result.get().thinVolumes.map(\.name) == ["t"])
        #expect(a.unattributedThinVolumes == ["u"])
    }

    @Test func thinVolumesOfAFailedPoolAreJoinedThroughTheirDependencies() throws {
        let a = PoolAssembler.assemble([
            device("broken", (254, 12), table: "0 65536 thin-pool 254:11 7:6 128 16 0", status: "0 65536 thin-pool Fail"),
            device(
                "broken-thin", (254, 13), table: "0 131072 thin Fail", status: "0 131072 thin Fail",
                deps: [DeviceNumber(major: 254, minor: 12)]),
        ])
        let pool = try a.pools[0].result.get()
        #expect(pool.mode == .fail)
        #expect(pool.thinVolumes.map(\.name) == ["broken-thin"])
        #expect(pool.thinVolumes[0].table == nil)
        #expect(pool.thinVolumes[0].status == .fail)
    }

    @Test func onePoolsBadLinesDoNotStopTheOthers() throws {
        let a = PoolAssembler.assemble([
            device("bad", (254, 0), table: "0 65536 thin-pool 7:0 7:1 128 16 0", status: "0 65536 thin-pool 0 10/1024 9/8 -"),
            device("good", (254, 1), table: "0 65536 thin-pool 7:2 7:3 128 16 0", status: "0 65536 thin-pool 0 10/1024 2/512 -"),
            device("nostatus", (254, 2), table: "0 65536 thin-pool 7:4 7:5 128 16 0", status: nil),
        ])
        #expect(a.pools.map(\.name) == ["bad", "good", "nostatus"])
        guard case .failure(.parse(let e)) = a.pools[0].result else {
            Issue.record("bad parsed")
            return
        }
        #expect(e.field == "used/total data blocks")
        #expect(try a.pools[1].result.get().status.working?.usedData == DataBlocks(2))
        guard case .failure(let e) = a.pools[2].result, case .statusMismatch("nostatus", []) = e else {
            Issue.record("nostatus")
            return
        }
        #expect(e.description.contains("no status line"))
    }

    @Test func aThinPoolTargetMustBeTheOnlyOne() {
        var d = device("two", (254, 0), table: "0 65536 thin-pool 7:0 7:1 128 16 0", status: nil)
        d.table.append(Target(start: 65536, length: 100, type: "linear", params: "7:2 0"))
        guard case .failure(let e) = PoolAssembler.assemble([d]).pools[0].result,
            case .notTheOnlyTarget("two", 2) = e
        else {
            Issue.record("accepted two targets")
            return
        }
        #expect(e.description.contains("2 targets"))
    }

    @Test func noSpacePolicyComesFromStatusNotTable() throws {
        // After no_space_timeout the status says error_if_no_space; the table has no feature.
        let a = PoolAssembler.assemble([
            device(
                "p", (254, 0), table: "0 65536 thin-pool 7:0 7:1 128 16 0",
                status: "0 65536 thin-pool 0 10/1024 512/512 - out_of_data_space discard_passdown error_if_no_space - 256")
        ])
        let pool = try a.pools[0].result.get()
        #expect(pool.noSpacePolicy == .error)
        #expect(!pool.table.has(.errorIfNoSpace))
    }
}

/// A volume's owner and space findings are kept out of line (an array of 10,000 volumes is
/// copied whole by a sort): still plain values -- compared and hashed by content, changed in
/// place through optional chaining, one copy's change never seen by another.
@Suite struct ThinVolumeValueTests {
    func volume() -> ThinVolume {
        ThinVolume(name: "v", uuid: nil, number: nil, size: Sectors(8), table: nil, status: nil)
    }

    @Test func ownerAndSpaceAreValues() {
        var a = volume()
        var b = volume()
        a.owner = VolumeOwner(kind: .dockerContainer, containerName: "db")
        b.owner = VolumeOwner(kind: .dockerContainer, containerName: "db")
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        let copy = a
        a.owner?.containerName = "web"
        #expect(a.owner?.containerName == "web")
        #expect(copy.owner?.containerName == "db", "the copy keeps its own owner")
        #expect(a != b)
        a.space = VolumeSpace(exclusiveBytes: 4096)
        #expect(a.space?.exclusiveBytes == 4096)
        a.space?.sharedBytes = 8192
        #expect(a.space == VolumeSpace(exclusiveBytes: 4096, sharedBytes: 8192))
        a.owner = nil
        a.space = nil
        #expect(a.owner == nil && a.space == nil)
        b.owner = nil
        #expect(a == b)
    }
}
