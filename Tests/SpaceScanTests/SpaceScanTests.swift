import Foundation
import Logging
import Reader
import ReaderTestSupport
import SystemIO
import TestSupport
import Testing
import ThinPoolCore

@testable import SpaceScan

/// The space scan without a kernel: a scripted device-mapper that records the target messages
/// (reserve_metadata_snap, release_metadata_snap) and changes the pool's status as the kernel
/// would, a sysfs of files naming the metadata device, and thin_ls/thin_dump as scripts. The
/// VM scenario space-scan judges the same code against the real kernel, thin_ls and fstrim.
@Suite struct SpaceScanTests {
    static let free = "0 10/1000 500/1000 - rw discard_passdown queue_if_no_space - 100"
    static let held = "0 11/1000 500/1000 7 rw discard_passdown queue_if_no_space - 100"
    static let heldElsewhere = "0 11/1000 500/1000 9 rw discard_passdown queue_if_no_space - 100"

    /// A pool with thin volumes 1 and 2, its metadata device 254:1 named /dev/mapper/meta in a
    /// sysfs of our own.
    struct Host {
        let dm = ScriptedDeviceMapper()
        let dir: String
        let logger = Logger(label: "test")

        init(status: String = SpaceScanTests.free) throws {
            dir = try makeTempDir(prefix: "space-scan")
            try FileManager.default.createDirectory(atPath: dir + "/sys/dev/block/254:1", withIntermediateDirectories: true)
            try writeClosingOnExec(dir + "/sys/dev/block/254:1/uevent", "MAJOR=254\nMINOR=1\nDEVNAME=mapper/meta\n")
            dm.add("pool", minor: 10, table: "0 2048000 thin-pool 254:1 254:2 128 100", status: "0 2048000 thin-pool " + status)
            dm.add("a", minor: 11, table: "0 409600 thin 254:10 1", status: "0 409600 thin 204800 204799")
            dm.add("b", minor: 12, table: "0 409600 thin 254:10 2", status: "0 409600 thin 8192 8191")
            dm.state.update { $0.statusAfterMessage = ["reserve_metadata_snap": SpaceScanTests.held] }
        }

        var markers: String { dir + "/state/metadata-snap" }
        var sysfs: Sysfs { Sysfs(root: dir + "/sys", devRoot: "/dev") }
        var reader: PoolReader { PoolReader(client: dm, backing: NoLoopBacking()) }
        var lease: MetadataSnapshotLease { MetadataSnapshotLease(client: dm, markers: markers, sysfs: sysfs, logger: logger) }
        var messages: [String] { dm.state.withLock { $0.messages } }

        func pool() throws -> ThinPool { try #require(try reader.read().pools.first { $0.name == "pool" }?.pool) }

        /// An executable script in the host's directory.
        func script(_ name: String, _ body: String) throws -> String {
            let path = dir + "/" + name
            try writeClosingOnExec(path, "#!/bin/sh\n" + body + "\n")
            #expect(chmod(path, 0o755) == 0)
            return path
        }

        func marker(_ pool: String) -> String? { try? String(contentsOfFile: markers + "/" + pool, encoding: .utf8) }
    }

    // MARK: - The metadata snapshot lease

    @Test func aLeaseReservesMarksHandsTheDeviceAndReleases() throws {
        let host = try Host()
        let pool = try host.pool()
        let seen = try host.lease.hold(pool) { device throws(ScanError) -> (String, String?) in
            (device, host.marker("pool"))
        }
        #expect(seen.0 == "/dev/mapper/meta")
        #expect(seen.1 == "held 7\n", "the marker names the root the kernel reported after the reserve")
        #expect(host.messages == ["pool reserve_metadata_snap", "pool release_metadata_snap"])
        #expect(host.marker("pool") == nil, "removed after the release")
    }

    @Test func aBodyThatFailsStillReleases() throws {
        let host = try Host()
        #expect(throws: ScanError.self) {
            try host.lease.hold(try host.pool()) { _ throws(ScanError) in throw ScanError.failed(tool: "thin_ls", stderr: "boom") }
        }
        #expect(host.messages == ["pool reserve_metadata_snap", "pool release_metadata_snap"])
        #expect(host.marker("pool") == nil)
    }

    @Test func aSnapshotSomeoneElseHoldsIsLeftAlone() throws {
        let host = try Host(status: Self.heldElsewhere)
        do {
            try host.lease.hold(try host.pool()) { _ throws(ScanError) in Issue.record("the body ran") }
            Issue.record("a held snapshot was taken over")
        } catch let e as ScanError {
            guard case .heldByAnother(let root) = e else { throw e }
            #expect(root == 9)
        }
        #expect(host.messages.isEmpty, "no reserve, and above all no release of another tool's snapshot")
        #expect(host.marker("pool") == nil)
    }

    @Test func aRefusedReserveLeavesNoMarker() throws {
        let host = try Host()
        host.dm.state.update { $0.messageErrors["reserve_metadata_snap"] = DeviceMapperError(.invalidArgument, .message, device: "pool") }
        #expect(throws: ScanError.self) { try host.lease.hold(try host.pool()) { _ throws(ScanError) in } }
        #expect(host.messages == ["pool reserve_metadata_snap"])
        #expect(host.marker("pool") == nil)
    }

    @Test func aReleaseThatFailsKeepsTheMarkerForTheNextStart() throws {
        let host = try Host()
        host.dm.state.update { $0.messageErrors["release_metadata_snap"] = DeviceMapperError(.busy, .message, device: "pool") }
        try host.lease.hold(try host.pool()) { _ throws(ScanError) in }
        #expect(host.marker("pool") == "held 7\n")
    }

    @Test(arguments: [
        // marker, the pool's status at start, released
        ("reserving\n", SpaceScanTests.held, true),  // killed between the reserve and the marker's root
        ("held 7\n", SpaceScanTests.held, true),  // killed while the tools ran
        ("held 7\n", SpaceScanTests.heldElsewhere, false),  // ours is gone; another tool's is held
        ("held 7\n", SpaceScanTests.free, false),  // nothing held any more
    ])
    func leftoversAreReleasedOnlyWhenTheMarkerNamesTheHeldSnapshot(marker: String, status: String, released: Bool) throws {
        let host = try Host(status: status)
        try FileManager.default.createDirectory(atPath: host.markers, withIntermediateDirectories: true)
        try writeClosingOnExec(host.markers + "/pool", marker)
        #expect(host.lease.releaseLeftovers() == (released ? 1 : 0))
        #expect(host.messages == (released ? ["pool release_metadata_snap"] : []))
        #expect(host.marker("pool") == nil, "the marker is gone either way")
    }

    // MARK: - The tools

    @Test func aToolsFailureTimeoutAndAbsenceAreNamed() throws {
        let host = try Host()
        var settings = SpaceScanSettings()
        settings.timeout = .milliseconds(300)
        let tool = SpaceTool(settings: settings)
        let failing = try host.script("failing", "echo 'bad superblock' >&2; exit 1")
        let hanging = try host.script("hanging", "sleep 5")
        func error(_ path: String) -> String? {
            do {
                _ = try tool.run(path, [])
                return nil
            } catch { return error.description }
        }
        #expect(error(failing) == "\(failing) failed: bad superblock")
        #expect(error(hanging) == "\(hanging) ran past 0.3 s and was ended")
        #expect(error(host.dir + "/absent")?.hasPrefix("cannot run \(host.dir)/absent: ") == true)
    }

    @Test func thinLsOutputWeCannotReadIsAnErrorNamingTheTool() throws {
        let host = try Host()
        var settings = SpaceScanSettings()
        settings.thinLs = try host.script("thin_ls", "echo '1 4096 8192 0'")  // exclusive > mapped
        do {
            _ = try SpaceTool(settings: settings).usage(metadataDevice: "/dev/null")
            Issue.record("accepted")
        } catch {
            guard case .output(let tool, let e) = error else { throw error }
            #expect(tool == settings.thinLs)
            #expect(e.reason == "larger than the mapped bytes")
        }
    }

    // MARK: - A scan

    @Test func aScanAnnotatesEachVolumeWithWhatThinLsSaysAndCountsIt() throws {
        let host = try Host()
        var settings = SpaceScanSettings()
        // thin_ls is handed the metadata device the lease found; it prints as thin_ls -m does.
        settings.thinLs = try host.script(
            "thin_ls",
            #"[ "$5" = /dev/mapper/meta ] || { echo "wrong device $5" >&2; exit 2; }; printf '1 104857600 94371840 10485760\n2 4194304 4194304 0\n'"#
        )
        let reader = host.reader
        let scanner = SpaceScanner(
            reader: reader, settings: settings, watches: { _ in true }, stateDirectory: host.dir + "/state", sysfs: host.sysfs,
            logger: host.logger, now: { 1000 })
        let found = scanner.scanAll()
        #expect(found["pool"]?.snapshotSkipped == nil, "\(String(describing: found["pool"]?.snapshotSkipped))")
        #expect(found["pool"]?.scannedAt == 1000)
        #expect(host.messages == ["pool reserve_metadata_snap", "pool release_metadata_snap"])
        var pools = try reader.read().pools.compactMap(\.pool)
        scanner.annotate(&pools)
        let volumes = Dictionary(uniqueKeysWithValues: pools[0].thinVolumes.map { ($0.name, $0.space) })
        #expect(volumes["a"]??.exclusiveBytes == 94_371_840)
        #expect(volumes["a"]??.sharedBytes == 10_485_760)
        #expect(volumes["b"]??.exclusiveBytes == 4_194_304)
        #expect(pools[0].space?.scannedAt == 1000)
        #expect(scanner.stats.scans == ["pool": 1])
        #expect(scanner.stats.skipped == [:])
    }

    @Test func aScanOfAPoolWhoseSnapshotIsHeldSaysSoAndRunsNoTool() throws {
        let host = try Host(status: Self.heldElsewhere)
        var settings = SpaceScanSettings()
        settings.thinLs = try host.script("thin_ls", "touch \(host.dir)/ran")
        let scanner = SpaceScanner(
            reader: host.reader, settings: settings, watches: { _ in true }, stateDirectory: nil, sysfs: host.sysfs, logger: host.logger)
        let found = scanner.scanAll()
        #expect(found["pool"]?.snapshotSkipped == ScanError.heldByAnother(root: 9).description)
        #expect(!FileManager.default.fileExists(atPath: host.dir + "/ran"))
        #expect(scanner.stats.skipped == ["pool": 1])
    }
}
