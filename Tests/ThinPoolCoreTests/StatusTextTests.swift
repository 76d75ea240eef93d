import Testing

@testable import ThinPoolCore

/// The views of one pool: docker's lines first for docker's pool, our own words otherwise, and
/// the JSON that carries the same.
@Suite struct StatusTextTests {
    static let versions = DeviceMapperVersions(library: "1.02.185 (2022-05-18)", driver: "4.47.0", udevSync: false)

    func reading(docker: Bool, status: String = "1 4256/524288 3664/1638400 - rw discard_passdown queue_if_no_space - 1024") throws
        -> PoolReading
    {
        var s = ThinPool(
            name: "docker-0:26-25-pool", uuid: nil, number: DeviceNumber(major: 254, minor: 0), eventNumber: 0,
            length: Sectors(209_715_200), table: try ThinPoolTable(parsing: "7:1 7:0 128 32768 1 skip_block_zeroing"),
            status: try ThinPoolStatus(parsing: status))
        if docker {
            var o = PoolOwner(kind: .docker)
            o.docker = DockerPool(root: "/var/lib/docker", baseDeviceSize: 10_737_418_240, baseFilesystem: "ext4")
            s.owner = o
        }
        return PoolReading(pool: s, minFreeSpacePercent: 10)
    }

    @Test func dockersLinesComeFirstThenOurs() throws {
        let text = StatusText.pool(try reading(docker: true), versions: Self.versions)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(
            lines.prefix(5) == [
                "Pool Name: docker-0:26-25-pool", "Pool Blocksize: 65.54kB", "Base Device Size: 10.74GB",
                "Backing Filesystem: ext4", "Udev Sync Supported: false",
            ])
        let library = try #require(lines.firstIndex(of: "Library Version: 1.02.185 (2022-05-18)"))
        #expect(lines[library + 1].hasPrefix("Used By: docker"), "ours after docker's last line")
    }

    @Test func otherPoolsInOurOwnWords() throws {
        let text = StatusText.pool(try reading(docker: false), versions: Self.versions)
        #expect(
            text.hasPrefix(
                "Pool Name: docker-0:26-25-pool\nPool Blocksize: 65.54kB\nData Device: 7:0\nMetadata Device: 7:1\nData Space Used: 240.1MB\n"
            ))
        #expect(!text.contains("Udev Sync Supported"))
    }

    @Test func refusalInDockersWords() throws {
        let full = try reading(docker: false, status: "1 4256/524288 1474560/1638400 - rw discard_passdown queue_if_no_space - 1024")
        #expect(
            StatusText.pool(full).contains(
                "Docker Would Refuse New Devices: yes (Thin Pool has 163840 free data blocks which is less than minimum required 163840 free data blocks)"
            ) == false)
        let past = try reading(docker: false, status: "1 4256/524288 1474561/1638400 - rw discard_passdown queue_if_no_space - 1024")
        #expect(
            StatusText.pool(past).contains(
                "Docker Would Refuse New Devices: yes (Thin Pool has 163839 free data blocks which is less than minimum required 163840 free data blocks)\n"
            ))
    }

    @Test func theJSONCarriesDockersPairs() throws {
        let json = PoolJSON.pool(try reading(docker: true), versions: Self.versions).serialized(pretty: false)
        #expect(json.contains(#""driver_status":[["Pool Name","docker-0:26-25-pool"],["Pool Blocksize","65.54kB"]"#))
        #expect(json.contains(#""docker_refusal":null"#))
    }

    /// The countdown, only where the reader kept one, right after the no-space policy.
    @Test func theJSONCarriesTheOutOfSpaceCountdown() throws {
        var r = try reading(
            docker: false, status: "1 4256/524288 1638400/1638400 - out_of_data_space discard_passdown queue_if_no_space - 1024")
        #expect(!PoolJSON.pool(r).serialized(pretty: false).contains("out_of_space"))
        r.pool?.outOfSpace = OutOfSpace(
            since: 1000.5, timeoutSeconds: 60, writers: [QueuedWriter(device: "t1", owner: nil, writes: 3, processes: ["dd[42]"])])
        let json = PoolJSON.pool(r).serialized(pretty: false)
        #expect(
            json.contains(
                #""no_space_policy":"queue_if_no_space","out_of_space":{"since":1000.5,"no_space_timeout_seconds":60,"queued_writes_fail_at":1060.5,"writers":[{"device":"t1","used_by":null,"writes_in_flight":3,"blocked_processes":["dd[42]"]}]},"needs_check""#
            ), "\(json)")
    }
}

/// An LVM pool with lvm's threshold known: lvcreate's refusal in status, the JSON and the alert.
@Suite struct LVMRefusalViewTests {
    func reading(used: Int, threshold: Int) throws -> PoolReading {
        var s = ThinPool(
            name: "pve-data-tpool", uuid: "LVM-abc-tpool", number: DeviceNumber(major: 254, minor: 4), eventNumber: 0,
            length: Sectors(128_000), table: try ThinPoolTable(parsing: "254:2 254:3 128 0 0"),
            status: try ThinPoolStatus(parsing: "1 120/1024 \(used)/1000 - rw discard_passdown queue_if_no_space - 256"))
        var o = PoolOwner(kind: .lvm, lvm: LVMName(vg: "pve", lv: "data"))
        o.lvmAutoextend = LVMAutoextend(monitored: false, threshold: threshold, percent: 20)
        s.owner = o
        return PoolReading(pool: s, minFreeSpacePercent: 10)
    }

    @Test func statusJSONAndAlertSayWhatLvcreateWouldSay() throws {
        let past = try reading(used: 758, threshold: 65)
        #expect(
            StatusText.pool(past).contains(
                "LVM Would Refuse New Thin Volumes: yes (data 75.80% > thin_pool_autoextend_threshold 65%)\n"))
        let json = PoolJSON.pool(past).serialized(pretty: false)
        #expect(
            json.contains(#""refuses_new_volumes":{"data":"data 75.80% > thin_pool_autoextend_threshold 65%","metadata":null}"#))
        let alert = try #require(AlertRules.evaluate(past, policy: PoolPolicy(), current: { _ in nil })[.lvmRefusesNewVolumes])
        #expect(alert.severity == .critical)
        #expect(
            alert.summary
                == "pool pve-data-tpool: lvcreate refuses new thin volumes in pve/data now: data 75.80% > thin_pool_autoextend_threshold 65%"
        )

        let below = try reading(used: 650, threshold: 65)
        #expect(StatusText.pool(below).contains("LVM Would Refuse New Thin Volumes: no\n"))
        #expect(AlertRules.evaluate(below, policy: PoolPolicy(), current: { _ in nil })[.lvmRefusesNewVolumes] == nil)
        var off = PoolPolicy()
        off.alerts.lvmRefusesNewVolumes = false
        #expect(AlertRules.evaluate(past, policy: off, current: { _ in nil })[.lvmRefusesNewVolumes] == nil)
    }

    @Test func anLVMPoolGetsNoneOfDockersFigures() throws {
        // 99.9% used: past docker's 10% minimum free space, were docker to use it.
        let full = try reading(used: 999, threshold: 100)
        let text = StatusText.pool(full)
        #expect(!text.contains("Thin Pool Minimum Free Space"))
        #expect(!text.contains("Docker Would Refuse"))
        #expect(text.contains("LVM Would Refuse New Thin Volumes: no\n"))
        let json = PoolJSON.pool(full).serialized(pretty: false)
        #expect(json.contains(#""min_free_space_bytes":null,"docker_would_refuse":null,"docker_refusal":null"#))
        let alerts = AlertRules.evaluate(full, policy: PoolPolicy(), current: { _ in nil })
        #expect(alerts[.nearMinFreeSpace] == nil)
        #expect(alerts[.dataUsage]?.summary == "pool pve-data-tpool data 99.9% used, 65.54kB available")
        // A pool of unknown owner keeps docker's words (it may be docker's, unread).
        var unknown = full
        unknown.pool?.owner = nil
        #expect(StatusText.pool(unknown).contains("Docker Would Refuse New Devices: yes"))
        #expect(AlertRules.evaluate(unknown, policy: PoolPolicy(), current: { _ in nil })[.nearMinFreeSpace] != nil)
    }

    @Test func aPoolLVMDoesNotOwnOrWhoseThresholdIsUnknownGetsNoLine() throws {
        var r = try reading(used: 758, threshold: 65)
        r.pool?.owner?.lvmAutoextend = nil
        #expect(r.pool?.lvmRefusal == nil)
        #expect(!StatusText.pool(r).contains("LVM Would Refuse"))
        r.pool?.owner = nil
        #expect(r.pool?.lvmRefusal == nil)
    }
}
