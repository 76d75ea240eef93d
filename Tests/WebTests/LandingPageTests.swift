import ReaderTestSupport
import TestSupport
import Testing
import ThinPoolCore

@testable import Web

/// The landing page's card of a pool, what an operator at 3 am reads first: what fires (the
/// critical first), when space runs out, the out-of-space deadline and its writers, what a trim
/// gives back, who holds the most, and devices stuck.
@Suite struct LandingPageTests {
    @Test func theCardSaysWhatFiresWhenItRunsOutAndWhoHoldsTheMost() throws {
        let reading = fixtureReader(Repo.fixture("demo"))
        var r = try #require(try reading.read().pools.first { $0.name == "docker-8:1-1048577-pool" })
        r.pool?.space = PoolSpace(scannedAt: 1000, snapshotSkipped: nil, reclaimableBytes: 1_200_000_000, dataFileAllocatedBytes: nil)
        let db = VolumeOwner(kind: .dockerContainer, containerID: "3f2a1b9c0d1e77", containerName: "db")
        r.pool?.thinVolumes[0].owner = db
        r.pool?.thinVolumes[0].space = VolumeSpace(exclusiveBytes: 900_000_000, sharedBytes: 0)
        r.pool?.outOfSpace = OutOfSpace(
            since: 1000, timeoutSeconds: 60, writers: [QueuedWriter(device: "t", owner: db, writes: 0, processes: ["dd[9]"])])
        let name = r.name
        r.pool?.stuck = [StuckDevice(device: name, state: .suspended, since: 990)]
        let view = PoolAgentView(
            firing: [
                .init(name: "ThinPoolDataFullSoon", severity: "warning", summary: "runs out in 3h"),
                .init(name: "ThinPoolOutOfDataSpace", severity: "critical", summary: "writes to container db fail in 20s"),
            ], dataSecondsToFull: 12_000, metadataSecondsToFull: 400_000, dockerRefusesSeconds: 90)
        let html = LandingPage.card(r, agent: view)
        let critical = try #require(html.range(of: "<b>ThinPoolOutOfDataSpace</b>critical"))
        let warning = try #require(html.range(of: "<b>ThinPoolDataFullSoon</b>warning"))
        #expect(critical.lowerBound < warning.lowerBound, "the critical alert first")
        #expect(html.contains("Runs out at the current rate: data in 3h20m; docker refuses new containers in 90s; metadata in 4d"))
        #expect(html.contains("queued writes to container db (3f2a1b9c0d1e) fail at unix time 1060 (no_space_timeout 60 s)"))
        #expect(html.contains("reclaimable by fstrim: 1.2GB"))
        #expect(html.contains("holds the most: container db (3f2a1b9c0d1e) (deleting it frees 900MB)"))
        #expect(html.contains("pool \(r.name) is suspended (its I/O waits)"))
        // Without an agent: none of it.
        let plain = LandingPage.card(try #require(try reading.read().pools.first { $0.name == "docker-8:1-1048577-pool" }))
        #expect(!plain.contains("Runs out") && !plain.contains("firing") && !plain.contains("reclaimable"))
    }
}

/// An LVM pool's card: lvcreate's refusal in lvm's words, and none of docker's marks.
@Suite struct LandingPageLVMTests {
    @Test func lvmsRefusalAndNoDockerMinimum() throws {
        let host = try fixtureReader(Repo.fixture("demo")).read()
        var lvm = try #require(host.pools.first { $0.name == "docker-thinpool-tpool" })
        #expect(lvm.pool?.owner?.kind == .lvm)
        lvm.pool?.owner?.lvmAutoextend = LVMAutoextend(monitored: false, threshold: 50, percent: 20)
        let html = LandingPage.card(lvm)
        #expect(html.contains("lvcreate would refuse new thin volumes now: data 85.23% &gt; thin_pool_autoextend_threshold 50%"))
        #expect(!html.contains("minimum free space"), "docker's minimum on a pool LVM owns")
        lvm.pool?.owner?.lvmAutoextend = LVMAutoextend(monitored: false, threshold: 90, percent: 20)
        #expect(!LandingPage.card(lvm).contains("lvcreate would refuse"))
        // docker's own pool keeps docker's minimum.
        let docker = try #require(host.pools.first { $0.name == "docker-8:1-1048577-pool" })
        #expect(LandingPage.card(docker).contains("minimum free space"))
    }
}
