import Foundation
import Testing
import ThinPoolCore

@testable import Workloads

@Suite struct DockerDaemonConfigTests {
    func parse(_ text: String) -> DockerDaemonConfig { DockerDaemonConfig.parse(Data(text.utf8)) }

    @Test func readsWhatDockerInfoDependsOn() {
        let c = parse(
            """
            {"data-root": "/srv/docker", "storage-driver": "devicemapper",
             "storage-opts": ["dm.thinpooldev=/dev/mapper/docker-thinpool", "DM.MIN_FREE_SPACE=15%", "dm.basesize=20G",
                              "dm.use_deferred_removal=true"]}
            """)
        #expect(c.problems == [])
        #expect(c.dataRoot == "/srv/docker")
        #expect(c.storageDriver == "devicemapper")
        #expect(c.thinPoolDevice == "docker-thinpool")
        #expect(c.minFreeSpacePercent == 15)
        #expect(c.baseSize == 20 << 30)
    }

    @Test func legacyGraphKeyAndBareNames() {
        let c = parse(#"{"graph": "/var/lib/docker2", "storage-opts": ["dm.thinpooldev=mypool", "dm.min_free_space=0%"]}"#)
        #expect(c.dataRoot == "/var/lib/docker2")
        #expect(c.thinPoolDevice == "mypool")
        #expect(c.minFreeSpacePercent == 0)
    }

    @Test func valuesDockerdWouldRefuseAreProblemsAndIgnored() {
        let c = parse(
            #"{"storage-opts": ["dm.min_free_space=15", "dm.min_free_space=100%", "dm.min_free_space=x%", "nokey", 7, "dm.thinpooldev=/dev/sda1", "dm.basesize=lots"], "data-root": 3}"#
        )
        #expect(c.minFreeSpacePercent == nil)
        #expect(c.thinPoolDevice == nil)
        #expect(c.dataRoot == nil)
        #expect(
            c.problems == [
                "\"data-root\" is not a string",
                "dm.min_free_space \"15\" is not a percentage like 10% below 100% (dockerd would not start)",
                "dm.min_free_space \"100%\" is not a percentage like 10% below 100% (dockerd would not start)",
                "dm.min_free_space \"x%\" is not a percentage like 10% below 100% (dockerd would not start)",
                "storage-opts \"nokey\" is not key=value",
                "\"storage-opts\" holds a value that is not a string",
                "dm.thinpooldev \"/dev/sda1\" is not a device-mapper device name or /dev/mapper path",
                "dm.basesize \"lots\" is not a size",
            ])
    }

    /// The settings docker info shows, parsed as dockerd parses them (Go's ParseBool).
    @Test func deferredRemovalAndDataDevices() {
        let c = parse(
            #"{"storage-opts": ["dm.use_deferred_removal=false", "dm.use_deferred_deletion=1", "dm.datadev=/dev/sdb1", "dm.metadatadev=/dev/sdc1"]}"#
        )
        #expect(c.deferredRemoval == false && c.deferredDeletion == true)
        #expect(c.dataDevice == "/dev/sdb1" && c.metadataDevice == "/dev/sdc1")
        #expect(c.problems.isEmpty)
        let bad = parse(#"{"storage-opts": ["dm.use_deferred_removal=yes"]}"#)
        #expect(bad.deferredRemoval == nil)
        #expect(bad.problems == ["dm.use_deferred_removal \"yes\" is not true or false (dockerd would not start)"])
        #expect(parse("{}").deferredRemoval == nil, "unset: docker's default applies")
    }

    @Test func notJSONIsOneProblem() {
        #expect(parse("{storage-opts").problems == ["not a JSON object"])
        #expect(parse("[]").problems == ["not a JSON object"])
        #expect(parse(#"{"storage-opts": "dm.min_free_space=5%"}"#).problems == ["\"storage-opts\" is not a list of strings"])
    }

    @Test func goUnitsSizes() {
        #expect(DockerUnits.parseRAMInBytes("10G") == 10 << 30)
        #expect(DockerUnits.parseRAMInBytes("10gb") == 10 << 30)
        #expect(DockerUnits.parseRAMInBytes("512MiB") == 512 << 20)
        #expect(DockerUnits.parseRAMInBytes("1.5k") == 1536)
        #expect(DockerUnits.parseRAMInBytes("100") == 100)
        #expect(DockerUnits.parseRAMInBytes("-1G") == nil)
        #expect(DockerUnits.parseRAMInBytes("G") == nil)
    }
}

@Suite struct ContainerdConfigTests {
    @Test func version2Config() {
        let c = ContainerdDevmapperConfig.parse(
            """
            version = 2
            [plugins."io.containerd.grpc.v1.cri"]
              pool_name = "not-this-one"
            [plugins."io.containerd.snapshotter.v1.devmapper"]
              root_path = "/var/lib/containerd/devmapper"   # where the metadata lives
              pool_name = "containerd-pool"
              base_image_size = "8192MB"
            [plugins."io.containerd.runtime.v1.linux"]
              pool_name = "nor-this"
            """)
        #expect(c == ContainerdDevmapperConfig(poolName: "containerd-pool", rootPath: "/var/lib/containerd/devmapper"))
    }

    @Test func version3SingleQuotesAndOldName() {
        #expect(
            ContainerdDevmapperConfig.parse(
                """
                version = 3
                [plugins.'io.containerd.snapshotter.v1.devmapper']
                pool_name = 'k8s-pool'
                """)?.poolName == "k8s-pool")
        #expect(ContainerdDevmapperConfig.parse("[plugins.devmapper]\npool_name = \"old\"\n")?.poolName == "old")
    }

    @Test func noPluginOrEmptyPoolIsNil() {
        #expect(ContainerdDevmapperConfig.parse("version = 2\n[plugins.\"io.containerd.grpc.v1.cri\"]\n") == nil)
        #expect(ContainerdDevmapperConfig.parse("[plugins.\"io.containerd.snapshotter.v1.devmapper\"]\npool_name = \"\"\n") == nil)
        #expect(ContainerdDevmapperConfig.parse("[plugins.\"io.containerd.snapshotter.v1.devmapper\"]\npool_name = 42\n") == nil)
        #expect(ContainerdDevmapperConfig.parse("[plugins.\"unterminated\npool_name = \"x\"\n") == nil)
        #expect(ContainerdDevmapperConfig.parse("") == nil)
    }

    @Test func snapshotDeviceNames() {
        let c = ContainerdDevmapperConfig(poolName: "containerd-pool")
        #expect(c.snapshotID(deviceName: "containerd-pool-snap-12") == "12")
        #expect(c.snapshotID(deviceName: "containerd-pool-snap-") == nil)
        #expect(c.snapshotID(deviceName: "other-pool-snap-1") == nil)
    }
}

@Suite struct VolumeGroupTests {
    @Test func parsesVgsOutput() {
        let (groups, problems) = VolumeGroupSpace.parse("  vg0|331350016|113246208|4194304\n  my-vg|1000|0|4096\n\n  broken|x|1|2\n")
        #expect(
            groups == [
                VolumeGroupSpace(name: "vg0", size: 331_350_016, free: 113_246_208, extentSize: 4_194_304),
                VolumeGroupSpace(name: "my-vg", size: 1000, free: 0, extentSize: 4096),
            ])
        #expect(problems == ["vgs line \"broken|x|1|2\" is not name|size|free|extent_size in bytes"])
    }

    @Test func aMissingLVMIsAProblemNotACrash() {
        let source = LVMVolumeGroups(command: LVMCommand(path: "/nonexistent/lvm", timeout: 1))
        let (groups, problems) = source.volumeGroups(["vg0"])
        #expect(groups.isEmpty)
        #expect(problems.count == 1 && problems[0].contains("/nonexistent/lvm"))
    }

    /// What LVM does by itself, read as `lvm lvs` and `lvm lvmconfig` print it (2.03.16, seen
    /// in the VM); the profile's settings for a pool that has one.
    @Test func lvmsOwnAutoextend() {
        var calls: [[String]] = []
        let lvs = """
              {
                  "report": [
                      {
                          "lv": [
                              {"vg_name":"vg0", "lv_name":"pool", "segtype":"thin-pool", "lv_profile":"pool-extend", "vg_profile":"", "seg_monitor":"monitored", "pool_lv":"", "lv_size":"104857600", "lv_active":"active"},
                              {"vg_name":"vg0", "lv_name":"other", "segtype":"thin-pool", "lv_profile":"", "vg_profile":"", "seg_monitor":"not monitored", "pool_lv":"", "lv_size":"104857600", "lv_active":"active"},
                              {"vg_name":"vg1", "lv_name":"skip", "segtype":"thin-pool", "lv_profile":"", "vg_profile":"", "seg_monitor":"", "pool_lv":"", "lv_size":"4194304", "lv_active":""},
                              {"vg_name":"vg0", "lv_name":"up", "segtype":"thin", "lv_profile":"", "vg_profile":"", "seg_monitor":"", "pool_lv":"pool", "lv_size":"1073741824", "lv_active":"active"},
                              {"vg_name":"vg0", "lv_name":"down1", "segtype":"thin", "lv_profile":"", "vg_profile":"", "seg_monitor":"", "pool_lv":"pool", "lv_size":"1073741824", "lv_active":""},
                              {"vg_name":"vg0", "lv_name":"down2", "segtype":"thin", "lv_profile":"", "vg_profile":"", "seg_monitor":"", "pool_lv":"pool", "lv_size":"536870912", "lv_active":""},
                              {"vg_name":"vg1", "lv_name":"elsewhere", "segtype":"thin", "lv_profile":"", "vg_profile":"", "seg_monitor":"", "pool_lv":"skip", "lv_size":"4194304", "lv_active":""}
                          ]
                      }
                  ]
              }
            """
        let r = LVMAutoextendReader.read(
            [LVMName(vg: "vg0", lv: "pool"), LVMName(vg: "vg0", lv: "other")],
            run: { args in
                calls.append(args)
                if args.first == "lvs" { return lvs }
                return args.contains("--metadataprofile")
                    ? "thin_pool_autoextend_threshold=70\nthin_pool_autoextend_percent=20\n"
                    : "thin_pool_autoextend_threshold=100\nthin_pool_autoextend_percent=20\n"
            }, dmeventd: true)
        #expect(r.problems.isEmpty)
        #expect(
            r.pools[LVMName(vg: "vg0", lv: "pool")] == LVMAutoextend(monitored: true, threshold: 70, percent: 20, profile: "pool-extend"))
        #expect(r.pools[LVMName(vg: "vg0", lv: "other")] == LVMAutoextend(monitored: false, threshold: 100, percent: 20))
        #expect(r.pools.count == 2)
        // Thin LVs without a dm device: down1 and down2 (up is active, elsewhere not asked about).
        #expect(r.inactiveThin[LVMName(vg: "vg0", lv: "pool")] == InactiveThinVolumes(count: 2, virtualBytes: 1_610_612_736))
        #expect(r.inactiveThin[LVMName(vg: "vg0", lv: "other")] == InactiveThinVolumes(), "asked about, none: zero, not unknown")
        #expect(r.inactiveThin.count == 2)
        #expect(calls.first == LVMAutoextendReader.lvsArguments, "dmeventd runs: lvs may ask it")
        // Without dmeventd lvs must not ask for it (libdevmapper-event would start one).
        calls = []
        _ = LVMAutoextendReader.read(
            [LVMName(vg: "vg0", lv: "pool")],
            run: { args in
                calls.append(args)
                return lvs
            }, dmeventd: false)
        #expect(calls.first == LVMAutoextendReader.lvsArguments + ["--config", "activation { monitoring = 0 }"])
        // lvs failing is one problem, not a crash.
        let failed = LVMAutoextendReader.read([LVMName(vg: "vg0", lv: "pool")], run: { _ in "not json" }, dmeventd: true)
        #expect(failed.pools.isEmpty && failed.problems == ["lvm lvs: not lvs JSON: not json"])
        #expect(failed.inactiveThin.isEmpty, "lvs unreadable: unknown, not zero")
        // A size that is not bytes is a problem named, not a guess.
        let odd = LVMAutoextendReader.read(
            [LVMName(vg: "vg0", lv: "pool")],
            run: { args in
                args.first == "lvs"
                    ? #"{"report":[{"lv":[{"vg_name":"vg0","lv_name":"t","segtype":"thin","pool_lv":"pool","lv_size":"1.00g","lv_active":""}]}]}"#
                    : "thin_pool_autoextend_threshold=100\nthin_pool_autoextend_percent=20\n"
            }, dmeventd: true)
        #expect(odd.problems == [#"lvm lvs: thin LV vg0/t has size "1.00g", not a number of bytes"#])
        #expect(odd.inactiveThin[LVMName(vg: "vg0", lv: "pool")] == InactiveThinVolumes())
        #expect(!LVMAutoextendReader.dmeventdRunning(pidFile: "/nonexistent/dmeventd.pid"))
    }
}
