import Foundation
import ReaderTestSupport
import SystemIO
import TestSupport
import Testing
import ThinPoolCore

@testable import Reader

#if canImport(Glibc)
    import Glibc
#endif

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
        #expect(pool.pool?.thinVolumes.map(\.name) == ["thin"])
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
        #expect(report.pools[1].pool?.table.has(.errorIfNoSpace) == true)
        // The fast path (one STATUS): a reload that keeps the size shows only in the table
        // generation, which callers that may have missed one ask for (freshTable: the watcher
        // after a global event, autoextend); a resize shows in the status's length and is seen.
        dm.state.withLock {
            $0.devices["pool2"]!.table[0].params = "7:3 7:4 128 16 0"
            $0.generation = 2
        }
        #expect(try reader.read(pool: "pool2").pool?.table.has(.errorIfNoSpace) == true, "cached while the status agrees")
        #expect(try reader.read(pool: "pool2", freshTable: true).pool?.table.has(.errorIfNoSpace) == false)
        dm.state.withLock {
            $0.devices["pool2"]!.table[0].params = "7:3 7:4 128 16 1 error_if_no_space"
            $0.devices["pool2"]!.table[0].length *= 2
            $0.devices["pool2"]!.status[0].length *= 2
        }
        #expect(try reader.read(pool: "pool2").pool?.table.has(.errorIfNoSpace) == true, "a new length: the table is read again")
        // A device event alone (same generation in a fixture) also means a new read.
        dm.state.withLock { $0.devices["pool2"]!.info.eventNumber = 2 }
        report = try reader.read()
        #expect(report.pools[1].pool?.eventNumber == 2)
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

    /// A pool re-read alone takes the pool as it last assembled it and sets only what the
    /// STATUS says: the answer must equal a full assembly's (a reader without the table
    /// cache) for every status and device state, the forms the fast status parser leaves to
    /// the field-by-field one included.
    @Test func aReReadEqualsAFullAssemblyWhateverTheStatusSays() throws {
        let dm = host()
        let warm = PoolReader(client: dm, backing: NoLoopBacking())
        let cold = PoolReader(client: dm, backing: NoLoopBacking(), cacheTables: false)
        _ = try warm.read()
        _ = try warm.read(pool: "pool2")  // assembles it: the template
        let statuses = [
            "0 65536 thin-pool 0 10/1024 2/512 - rw discard_passdown queue_if_no_space - 256",
            "0 65536 thin-pool 7 11/1024 512/512 42 out_of_data_space discard_passdown queue_if_no_space - 256",
            "0 65536 thin-pool 7 11/1024 512/512 42 out_of_data_space no_discard_passdown error_if_no_space - 256",
            "0 65536 thin-pool 8 1024/1024 300/512 - ro ignore_discard queue_if_no_space needs_check 256",
            "0 65536 thin-pool 9 12/1024 301/512 -",  // an old kernel's short form
            "0 65536 thin-pool 9 12/1024 301/512 - rw",
            "0 65536 thin-pool Fail",
            "0 65536 thin-pool Error",
            "0 65536 thin-pool 9 13/1024 600/512 - rw discard_passdown queue_if_no_space - 256",  // malformed
            "0 65536 thin-pool 9 x/1024 301/512 - rw discard_passdown queue_if_no_space - 256",  // malformed
            "0 65536 thin-pool 10 14/1024 302/512 - rw discard_passdown queue_if_no_space - 256",
        ]
        for (i, status) in statuses.enumerated() {
            dm.set("pool2", status: status, event: false)
            dm.setInfo("pool2") { info in
                info.suspended = i % 3 == 1
                info.inactiveTable = i % 4 == 2
                info.deferredRemove = i % 5 == 3
            }
            let fast = try warm.read(pool: "pool2")
            #expect(fast == (try cold.read(pool: "pool2")), "\(status)")
        }
        #expect(dm.calls("TABLE pool2") == 1 + statuses.count, "the warm reader read the table once")
    }

    /// Sets an owner and a space scan only while `on`; otherwise leaves them alone, as an
    /// annotator with nothing to say does.
    final class Alternating: PoolAnnotator, Sendable {
        let on = Locked(false)
        func annotate(_ pools: inout [ThinPool]) {}
        func annotate(pool: inout ThinPool) {
            guard on.withLock({ $0 }) else { return }
            pool.owner = PoolOwner(kind: .docker)
            pool.space = PoolSpace(scannedAt: 1, snapshotSkipped: nil, reclaimableBytes: 5, dataFileAllocatedBytes: nil)
        }
    }

    /// The last re-read's reading is written again by the next once its caller let it go:
    /// nothing an annotator or the stuck bookkeeping set on one read may outlive it, and a
    /// reading a caller still holds is never written.
    @Test func aReReadWrittenAgainKeepsNothingOfTheReadBefore() throws {
        let dm = host()
        let annotator = Alternating()
        let warm = PoolReader(client: dm, backing: NoLoopBacking(), annotator: annotator)
        let cold = PoolReader(client: dm, backing: NoLoopBacking(), annotator: annotator, cacheTables: false)
        _ = try warm.read()
        _ = try warm.read(pool: "pool2")  // the template
        for i in 0..<6 {
            annotator.on.withLock { $0 = i % 2 == 0 }
            dm.setInfo("pool2") { $0.suspended = i % 3 == 0 }
            let fast = try warm.read(pool: "pool2")
            #expect(fast == (try cold.read(pool: "pool2")), "read \(i)")
            if i == 0 { #expect(fast.pool?.space != nil && fast.pool?.owner != nil && fast.pool?.stuck != []) }
        }
        let held = try warm.read(pool: "pool2")
        let heldUsed = held.capacity?.data.usedBlocks
        dm.set("pool2", status: "0 65536 thin-pool 3 10/1024 7/512 - rw discard_passdown queue_if_no_space - 256", event: false)
        let next = try warm.read(pool: "pool2")
        #expect(next.capacity?.data.usedBlocks == 7)
        #expect(held.capacity?.data.usedBlocks == heldUsed && heldUsed != 7, "the held reading is not written")
    }

    /// Threads re-reading one pool at once: one holds the template's spare reading at a time,
    /// the others copy the template's; every reading, and every one kept while the others
    /// read on, equals a cache-less reader's (the TSan run of this suite watches the slot).
    @Test func reReadsFromManyThreadsAtOnceEachGetAWholeReading() throws {
        let dm = host()
        let warm = PoolReader(client: dm, backing: NoLoopBacking())
        let cold = PoolReader(client: dm, backing: NoLoopBacking(), cacheTables: false)
        _ = try warm.read()
        _ = try warm.read(pool: "pool2")
        let expected = try cold.read(pool: "pool2")
        let done = Locked((finished: 0, wrong: 0, held: [PoolReading]()))
        for t in 0..<4 {
            startThread(named: "reread-\(t)") {
                var wrong = 0
                var kept: [PoolReading] = []
                for i in 0..<300 {
                    guard let r = try? warm.read(pool: "pool2") else {
                        wrong += 1
                        continue
                    }
                    if r != expected { wrong += 1 }
                    // Some kept, so later re-reads find the spare held by a caller.
                    if i % 50 == 0 { kept.append(r) }
                }
                done.update {
                    $0.finished += 1
                    $0.wrong += wrong
                    $0.held += kept
                }
            }
        }
        let result = done.wait(until: Locked<(finished: Int, wrong: Int, held: [PoolReading])>.deadline(after: 60)) {
            $0.finished == 4 ? $0 : nil
        }
        #expect(result?.finished == 4)
        #expect(result?.wrong == 0)
        #expect(result?.held.count == 24 && result?.held.allSatisfy { $0 == expected } == true)
    }

    /// Loop files on one filesystem, its free space as a test sets it; statfs calls counted.
    final class CountingLoopFiles: LoopBackingProbe, @unchecked Sendable {
        let state = Locked((free: UInt64(1 << 20), statfs: 0))
        /// Each loop file on a filesystem of its own (its free space the shared figure plus
        /// its loop minor), rather than all on one.
        let apart: Bool
        init(apart: Bool = false) { self.apart = apart }
        func backingFile(of device: DeviceRef) -> BackingFile? {
            guard case .number(let n) = device, n.major == 7 else { return nil }
            return BackingFile(
                path: "/loop/\(n.minor)", file: FileID(device: apart ? UInt64(n.minor) : 1, inode: UInt64(n.minor)))
        }
        func filesystemFree(of path: String) -> Bytes? {
            state.withLock {
                $0.statfs += 1
                return Bytes($0.free + (apart ? UInt64(path.split(separator: "/").last!)! : 0))
            }
        }
    }

    /// Docker's cap on Available: one statfs per pool and reading when its data and metadata
    /// files share a filesystem (two when not, each file its own figure), measured anew on a
    /// re-read as on a full read or an assembly.
    @Test(arguments: [false, true]) func loopFilesAreMeasuredOncePerReadingAndAnewOnEachReRead(apart: Bool) throws {
        let dm = host()
        let files = CountingLoopFiles(apart: apart)
        let reader = PoolReader(client: dm, backing: files)
        let cold = PoolReader(client: dm, backing: files, cacheTables: false)
        let perPool = apart ? 2 : 1
        _ = try reader.read()
        #expect(files.state.withLock { $0.statfs } == 2 * perPool, "two loop-backed pools")
        for (i, free) in [UInt64(1 << 20), 4096, 1 << 30].enumerated() {
            files.state.withLock { $0.free = free }
            let before = files.state.withLock { $0.statfs }
            let one = try reader.read(pool: "pool2")  // metadata on loop 7:3, data on 7:4
            #expect(files.state.withLock { $0.statfs } - before == perPool, "read \(i)")
            #expect(one.pool?.dataBacking?.filesystemFree == Bytes(free + (apart ? 4 : 0)))
            #expect(one.pool?.metadataBacking?.filesystemFree == Bytes(free + (apart ? 3 : 0)))
            #expect(one == (try cold.read(pool: "pool2")))
        }
    }

    /// The re-read's client call: a single thin-pool line the fast parser reads comes back
    /// parsed with its extent; anything else comes back without a line, for status() to read.
    @Test func poolStatusGivesTheLineOnlyWhenItIsOneThinPoolTheFastParserReads() throws {
        let dm = host()
        let read = try dm.poolStatus("pool2")
        #expect(read.info.name == "pool2")
        #expect(read.pool?.length == 65536)
        #expect(read.pool?.status == (try ThinPoolStatus(fieldByField: "0 10/1024 500/512 - rw discard_passdown queue_if_no_space - 256")))
        #expect(try dm.poolStatus("meta").pool == nil, "not a thin pool")
        dm.set("pool2", status: "0 65536 thin-pool Fail", event: false)
        #expect(try dm.poolStatus("pool2").pool == nil, "a line only the full parser reads")
        #expect(throws: DeviceMapperError.self) { try dm.poolStatus("nope") }
    }

    /// A full read that reads a pool's table again (the table generation moved: a reload and
    /// resume that kept its size and event number) also retires the pool's re-read template,
    /// so the next re-read shows the new table.
    @Test func aTableAFullReadReadsAgainRetiresTheReReadTemplate() throws {
        let dm = host()
        let reader = PoolReader(client: dm, backing: NoLoopBacking())
        _ = try reader.read()
        #expect(try reader.read(pool: "pool2").pool?.table.has(.errorIfNoSpace) == false)
        dm.state.withLock {
            $0.devices["pool2"]!.table[0].params = "7:3 7:4 128 16 1 error_if_no_space"
            $0.generation = 1
        }
        _ = try reader.read()
        #expect(try reader.read(pool: "pool2").pool?.table.has(.errorIfNoSpace) == true)
        // A table the full read kept (nothing moved) keeps the template: no TABLE to re-read.
        let tables = dm.calls("TABLE")
        _ = try reader.read()
        _ = try reader.read(pool: "pool2")
        #expect(dm.calls("TABLE") == tables)
        // A pool event (its event number moves) is assembled again from the table it names.
        dm.set("pool2", status: "0 65536 thin-pool 0 10/1024 501/512 - rw discard_passdown queue_if_no_space - 256", event: true)
        let moved = try reader.read(pool: "pool2")
        #expect(moved.pool?.eventNumber == 2)
        #expect(moved.capacity?.data.usedBlocks == 501)
    }

    /// A long-lived reader gives back what a full read of a large host freed (the 10,000-volume
    /// collection's garbage would otherwise stay in the process's RSS); a small host's read,
    /// a one-pool read and a reader without the hook do not.
    @Test func memoryIsReleasedAfterLargeFullReadsOnly() throws {
        let releases = Locked(0)
        let small = PoolReader(client: host(), backing: NoLoopBacking(), releaseMemory: { releases.withLock { $0 += 1 } })
        _ = try small.read()
        _ = try small.read(pool: "pool")
        #expect(releases.withLock { $0 } == 0)

        let dm = host()
        for i in 0..<(PoolReader.releaseAfterDevices - 4) {
            dm.add("thin\(i)", minor: UInt32(10 + i), table: "0 4096 thin 254:0 \(i + 2)", status: "0 4096 thin 0 -")
        }
        let big = PoolReader(client: dm, backing: NoLoopBacking(), releaseMemory: { releases.withLock { $0 += 1 } })
        let report = try big.read()
        #expect(report.deviceCount == PoolReader.releaseAfterDevices)
        #expect(report.pools.first { $0.name == "pool" }?.pool?.thinVolumes.count == PoolReader.releaseAfterDevices - 3)
        #expect(releases.withLock { $0 } == 1)
        _ = try big.read(pool: "pool")
        #expect(releases.withLock { $0 } == 1, "a one-pool read allocates next to nothing")
        _ = try big.read()
        #expect(releases.withLock { $0 } == 2)
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

/// Full reads coalesced: callers that arrive while one runs share the next, which began after
/// they arrived -- they see what changed meanwhile, and the kernel is read once for them all.
@Suite struct CoalescedReadTests {
    @Test func callersDuringAReadShareTheNextAndSeeWhatChangedMeanwhile() throws {
        let dm = PoolReaderTests().host()
        let reader = PoolReader(client: dm, backing: NoLoopBacking())
        dm.state.update { $0.holdLists = true }
        let results = Locked<[String: [String]]>([:])
        func read(_ who: String) {
            startThread(named: who) {
                let pools = (try? reader.read().pools.map(\.name)) ?? ["error"]
                results.update { $0[who] = pools }
            }
        }
        read("first")
        _ = dm.state.wait(until: Locked<ScriptedDeviceMapper.State>.deadline(after: 10)) { $0.listsHeld == 1 ? true : nil }
        for who in ["scrape-1", "scrape-2", "scrape-3"] { read(who) }
        // The three are waiting once nothing else can start (one read in flight, none queued).
        #expect(waitFor(10) { reader.waitingForFullRead >= 3 ? true : nil } != nil, "3 callers waiting")
        #expect(reader.waitingForFullRead == 3)
        // A pool created after they arrived, while the first read (its LIST already taken) runs.
        dm.add(
            "late", minor: 9, table: "0 65536 thin-pool 7:8 7:9 128 16 0",
            status: "0 65536 thin-pool 0 10/1024 1/512 - rw discard_passdown queue_if_no_space - 256")
        dm.state.update { $0.holdLists = false }
        let all = results.wait(until: Locked<[String: [String]]>.deadline(after: 10)) { r in r.count == 4 ? r : nil }
        #expect(all?["first"] == ["pool", "pool2"], "its LIST was taken before the pool existed")
        for who in ["scrape-1", "scrape-2", "scrape-3"] {
            #expect(all?[who] == ["late", "pool", "pool2"], "\(who) arrived before 'late' was created, and sees it")
        }
        #expect(dm.calls("LIST") == 2, "one read for the three")
        #expect(reader.stats == ReaderStats(fullReads: 2, shared: 2))
    }
}

/// The out-of-space countdown: kept across readings from the first that found the pool out of
/// data space, with the kernel's timeout and the volumes whose writes are queued.
@Suite struct OutOfSpaceCountdownTests {
    struct Probe: OutOfSpaceProbe {
        let inflight: [DeviceNumber: UInt64]
        var blocked: [DeviceNumber: [String]] = [:]
        func noSpaceTimeout() -> UInt64? { 60 }
        func inflightWrites(_ device: DeviceNumber) -> UInt64? { inflight[device] }
        func blockedProcesses() -> [DeviceNumber: [String]] { blocked }
    }

    static let full = "0 65536 thin-pool 0 10/1024 512/512 - out_of_data_space discard_passdown queue_if_no_space - 256"

    @Test func sinceIsKeptWritersAreNamedAndItEndsWithTheMode() throws {
        let dm = ScriptedDeviceMapper()
        dm.add("pool", minor: 0, table: "0 65536 thin-pool 7:0 7:1 128 16 0", status: Self.full)
        dm.add("busy", minor: 1, table: "0 4096 thin 254:0 1", status: "0 4096 thin 128 127")
        dm.add("idle", minor: 2, table: "0 4096 thin 254:0 2", status: "0 4096 thin 64 63")
        // Held by a blocked dd but no writes counted in flight (as Linux 6.1 shows a queued write).
        dm.add("held", minor: 3, table: "0 4096 thin 254:0 3", status: "0 4096 thin 64 63")
        let clock = Locked(1000.0)
        let reader = PoolReader(
            client: dm, backing: NoLoopBacking(),
            outOfSpaceProbe: Probe(
                inflight: [DeviceNumber(major: 254, minor: 1): 7, DeviceNumber(major: 254, minor: 2): 0],
                blocked: [DeviceNumber(major: 254, minor: 3): ["dd[42]"], DeviceNumber(major: 8, minor: 0): ["other[7]"]]),
            now: { clock.withLock { $0 } })
        let first = try #require(try reader.read().pools.first?.pool?.outOfSpace)
        #expect(
            first
                == OutOfSpace(
                    since: 1000, timeoutSeconds: 60,
                    writers: [
                        QueuedWriter(device: "busy", owner: nil, writes: 7),
                        QueuedWriter(device: "held", owner: nil, writes: 0, processes: ["dd[42]"]),
                    ]))
        #expect(first.deadline == 1060)
        // Later readings keep when it ran out -- the one-pool path too, its writers from the
        // last full read.
        clock.withLock { $0 = 1030 }
        #expect(try reader.read(pool: "pool").pool?.outOfSpace?.since == 1000)
        #expect(try reader.read(pool: "pool").pool?.outOfSpace?.writers.map(\.device) == ["busy", "held"])
        // Grown: no countdown; out again later, a new one.
        dm.set("pool", status: "0 65536 thin-pool 0 10/1024 500/1024 - rw discard_passdown queue_if_no_space - 256", event: true)
        #expect(try reader.read().pools.first?.pool?.outOfSpace == nil)
        clock.withLock { $0 = 2000 }
        dm.set("pool", status: Self.full, event: true)
        #expect(try reader.read(pool: "pool").pool?.outOfSpace?.since == 2000)
        // After the timeout the kernel fails writes (error_if_no_space in the status): over.
        dm.set("pool", status: Self.full.replacingOccurrences(of: "queue_if_no_space", with: "error_if_no_space"), event: true)
        #expect(try reader.read().pools.first?.pool?.outOfSpace == nil)
    }

    @Test func noProbeNoCountdown() throws {
        let dm = ScriptedDeviceMapper()
        dm.add("pool", minor: 0, table: "0 65536 thin-pool 7:0 7:1 128 16 0", status: Self.full)
        #expect(try PoolReader(client: dm, backing: NoLoopBacking()).read().pools.first?.pool?.outOfSpace == nil)
    }
}

/// Devices stuck in a state that holds I/O: found in full and one-pool readings alike, with
/// since when, kept while they last and forgotten when they end.
@Suite struct StuckDeviceTests {
    @Test func suspendedVolumesAndAnInactiveTableAreFoundWithSinceWhen() throws {
        let dm = ScriptedDeviceMapper()
        dm.add(
            "pool", minor: 0, table: "0 65536 thin-pool 7:0 7:1 128 16 0",
            status: "0 65536 thin-pool 0 10/1024 100/512 - rw discard_passdown queue_if_no_space - 256")
        dm.add("db", minor: 1, table: "0 4096 thin 254:0 1", status: "0 4096 thin 128 127")
        dm.add("web", minor: 2, table: "0 4096 thin 254:0 2", status: "0 4096 thin 64 63")
        let clock = Locked(1000.0)
        let reader = PoolReader(client: dm, backing: NoLoopBacking(), now: { clock.withLock { $0 } }, keepsHistory: true)
        #expect(try reader.read().pools.first?.pool?.stuck == [])
        dm.setInfo("db") { $0.suspended = true }
        dm.setInfo("pool") { $0.inactiveTable = true }
        #expect(
            try reader.read().pools.first?.pool?.stuck == [
                StuckDevice(device: "pool", state: .inactiveTable, since: 1000), StuckDevice(device: "db", state: .suspended, since: 1000),
            ])
        clock.withLock { $0 = 1090 }
        // One pool alone: its own state now, its volumes' from the last full read; since kept.
        #expect(
            try reader.read(pool: "pool").pool?.stuck == [
                StuckDevice(device: "pool", state: .inactiveTable, since: 1000), StuckDevice(device: "db", state: .suspended, since: 1000),
            ])
        dm.setInfo("pool") { $0.inactiveTable = false }
        #expect(try reader.read(pool: "pool").pool?.stuck == [StuckDevice(device: "db", state: .suspended, since: 1000)])
        dm.setInfo("db") { $0.suspended = false }
        dm.setInfo("web") { $0.deferredRemove = true }
        #expect(try reader.read().pools.first?.pool?.stuck == [StuckDevice(device: "web", state: .deferredRemove, since: 1090)])
        // Suspended again later: a new since.
        clock.withLock { $0 = 2000 }
        dm.setInfo("db") { $0.suspended = true }
        #expect(try reader.read().pools.first?.pool?.stuck.first { $0.device == "db" }?.since == 2000)
        // A one-off reader (status) names the states but cannot say since when.
        let once = PoolReader(client: dm, backing: NoLoopBacking())
        #expect(try once.read().pools.first?.pool?.stuck.map(\.since) == [nil, nil])
    }
}
