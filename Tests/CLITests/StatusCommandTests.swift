import Foundation
import TestSupport
import Testing
import ThinPoolCore

/// The real binary, end to end, against the fixture directories shipped in fixtures/.
@Suite struct StatusCommandTests {
    @Test(arguments: ["demo", "reference-host"])
    func humanOutputIsGolden(fixture: String) throws {
        let r = try run(["status", "--dm.fixtures", Repo.fixture(fixture)])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr == "")
        try golden.expect(r.stdout, "status-\(fixture).txt")
    }

    @Test(arguments: ["demo", "reference-host"])
    func jsonOutputIsGolden(fixture: String) throws {
        let r = try run(["status", "--json", "--dm.fixtures", Repo.fixture(fixture)])
        #expect(r.status == 0, "\(r.stderr)")
        try golden.expect(r.stdout, "status-\(fixture).json")
        // It is JSON, with the documented fields.
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let pools = try #require(object?["pools"] as? [[String: Any]])
        #expect(!pools.isEmpty)
        for key in [
            "name", "uuid", "block_size_bytes", "data", "metadata", "min_free_space_bytes",
            "low_water_mark_bytes", "mode", "no_space_policy", "needs_check", "transaction_id", "thin_volumes",
        ] {
            #expect(pools.allSatisfy { $0.keys.contains(key) }, "missing \(key)")
        }
    }

    /// The workload host (fixtures/workloads): docker's pool in docker info's words with its
    /// base device, deferred deletions and containers; LVM named by VG/LV; containerd's pool.
    /// Run from the repository so the docker root's path in the output is the same everywhere.
    @Test func workloadsAreNamedAndGolden() throws {
        let args = [
            "--dm.fixtures", "fixtures/workloads", "--docker.root", "fixtures/workloads/docker",
            "--docker.config", "fixtures/workloads/etc/docker/daemon.json",
            "--containerd.config", "fixtures/workloads/etc/containerd/config.toml",
        ]
        let r = try run(["status"] + args, currentDirectory: Repo.root.path)
        #expect(r.status == 0, "\(r.stderr)")
        try golden.expect(r.stdout, "status-workloads.txt")
        for line in [
            "Base Device Size: 10.74GB", "Backing Filesystem: xfs", "Deferred Deleted Device Count: 1",
            "Thin Pool Minimum Free Space: 40.24MB",
            "Used By: LVM vg0/pool0 (VG vg0: 113.2MB free of 331.4MB)",
        ] {
            #expect(r.stdout.contains(line + "\n"), "missing \(line)")
        }
        // The half-written and the damaged metadata file: a warning each, naming the file.
        let warnings = r.stderr.split(separator: "\n").filter { $0.contains("level=warn") }
        #expect(warnings.count == 2, "\(r.stderr)")
        #expect(warnings.contains { $0.contains("metadata/.tmp482913: a temporary file") })
        #expect(warnings.contains { $0.contains("metadata/badbad") && $0.contains("not JSON") })

        let j = try run(["status", "--json"] + args, currentDirectory: Repo.root.path)
        #expect(j.status == 0)
        try golden.expect(j.stdout, "status-workloads.json")

        // --min-free-space beats daemon.json's 15%; without daemon.json docker's default 10% applies.
        let flag = try run(["status", "docker-0:2-403-pool", "--min-free-space", "20%"] + args, currentDirectory: Repo.root.path)
        #expect(flag.stdout.contains("Thin Pool Minimum Free Space: 53.67MB\n"))
        let none = try run(
            ["status", "docker-0:2-403-pool", "--dm.fixtures", "fixtures/workloads", "--docker.root", "fixtures/workloads/docker"],
            currentDirectory: Repo.root.path)
        #expect(none.stdout.contains("Thin Pool Minimum Free Space: 26.8MB\n"), "\(none.stdout)")
    }

    @Test func aDockerRootThatIsNotOneIsAWarning() throws {
        let r = try run(["status", "--dm.fixtures", Repo.fixture("demo"), "--docker.root", "/nonexistent"])
        #expect(r.status == 0)
        #expect(r.stderr.contains("--docker.root /nonexistent: no devicemapper/metadata directory there"), "\(r.stderr)")
    }

    @Test func referenceHostMatchesDockerInfo() throws {
        let r = try run(["status", "--dm.fixtures", Repo.fixture("reference-host")])
        for line in [
            "Pool Blocksize: 65.54kB", "Data Space Used: 38.14GB", "Data Space Total: 214.7GB",
            "Data Space Available: 176.6GB", "Metadata Space Used: 47.07MB", "Metadata Space Total: 17.05GB",
            "Metadata Space Available: 17GB", "Thin Pool Minimum Free Space: 21.47GB",
        ] {
            #expect(r.stdout.contains(line + "\n"), "missing \(line)")
        }
        let j = try run(["status", "--json", "--dm.fixtures", Repo.fixture("reference-host")])
        let pool = try #require(
            ((try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])?["pools"] as? [[String: Any]])?.first)
        let data = try #require(pool["data"] as? [String: Any])
        #expect((data["used_bytes"] as? NSNumber)?.uint64Value == 38_139_658_240)
        #expect((data["available_bytes"] as? NSNumber)?.uint64Value == 176_608_706_560)
        #expect((pool["min_free_space_bytes"] as? NSNumber)?.uint64Value == 21_474_836_480)
    }

    @Test func onePoolAndMinFreeSpace() throws {
        let r = try run(["status", "full", "--min-free-space", "0%", "--dm.fixtures", Repo.fixture("demo")])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("Pool Name: full\n"))
        #expect(r.stdout.contains("Thin Pool Minimum Free Space: 0B\n"))
        #expect(r.stdout.contains("Docker Would Refuse New Devices: no (dm.min_free_space=0% disables the check)\n"))
        #expect(!r.stdout.contains("Pool Name: broken"))
    }

    @Test func unknownPool() throws {
        let r = try run(["status", "nope", "--dm.fixtures", Repo.fixture("demo")])
        #expect(r.status == 1)
        #expect(r.stdout == "")
        #expect(
            r.stderr
                == "thinpool-exporter: no thin pool named 'nope' (pools: broken, docker-8:1-1048577-pool, docker-thinpool-tpool, full)\n")
    }

    @Test func missingFixture() throws {
        let r = try run(["status", "--dm.fixtures", "/nonexistent/fixture"])
        #expect(r.status == 66)
        #expect(
            r.stderr
                == "thinpool-exporter: /nonexistent/fixture/table: No such file or directory (a fixture directory holds the output of `dmsetup table` in a file named 'table')\n"
        )
    }

    @Test func malformedFixtureFileNamesFileLineAndField() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "p: 0 65536 thin-pool 7:0 7:1 128 16 0\nq: 0 65536 thin-pool 7:2 7:3 128 16 0\n".write(
            toFile: dir + "/table", atomically: true, encoding: .utf8)
        try "p: 0 65536 thin-pool 0 10/1024 600/512 -\nq: 0 65536 thin-pool 0 10/1024 6/512 -\n".write(
            toFile: dir + "/status", atomically: true, encoding: .utf8)
        let r = try run(["status", "--dm.fixtures", dir])
        #expect(r.status == 1)
        #expect(
            r.stderr
                == "thinpool-exporter: pool p: \(dir)/status:1: thin-pool status: field 3 (used/total data blocks) \"600/512\": used (600) exceeds total (512)\n"
        )
        // The good pool is still shown.
        #expect(r.stdout.contains("Pool Name: q\n"))

        try "garbage\n".write(toFile: dir + "/status", atomically: true, encoding: .utf8)
        let g = try run(["status", "--dm.fixtures", dir])
        #expect(g.status == 65)
        #expect(
            g.stderr.hasPrefix("thinpool-exporter: \(dir)/status:1: expected '<device name>: <start> <length> <target type> [<params>]'"))
        #expect(g.stderr.hasSuffix("\n") && g.stderr.filter { $0 == "\n" }.count == 1)
    }

    /// `--docker.version 17.03.2-ce`: docker's lines as docker 17.03 prints them -- sizes with
    /// a space, the first order (Data file and Metadata file after Backing Filesystem, Udev Sync
    /// Supported after the minimum free space) -- and status says so; our own lines keep theirs.
    @Test func anOldDockersDialect() throws {
        let args = [
            "status", "docker-0:2-403-pool", "--dm.fixtures", "fixtures/workloads", "--docker.root", "fixtures/workloads/docker",
            "--docker.config", "fixtures/workloads/etc/docker/daemon.json", "--containerd.config", "none",
            "--docker.version", "17.03.2-ce",
        ]
        let r = try run(args, currentDirectory: Repo.root.path)
        #expect(r.status == 0, "\(r.stderr)")
        try golden.expect(r.stdout, "status-workloads-docker-17.03.txt")
        #expect(
            r.stdout.contains(
                "\nPool Blocksize: 65.54 kB\nBase Device Size: 10.74 GB\nBacking Filesystem: xfs\nData file: \nMetadata file: \n"))
        #expect(
            r.stdout.contains(
                "Docker Dialect: docker 17.03.2-ce (--docker.version): lines as docker before 17.04 prints them (\"65.54 kB\", first order)\n"
            ))
        let json = try run(args + ["--json"], currentDirectory: Repo.root.path)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let pool = try #require((doc["pools"] as? [[String: Any]])?.first)
        let docker = try #require((pool["owner"] as? [String: Any])?["docker"] as? [String: Any])
        let pairs = try #require(docker["driver_status"] as? [[String]])
        #expect(
            pairs.prefix(6).map { $0.joined(separator: ": ") } == [
                "Pool Name: docker-0:2-403-pool", "Pool Blocksize: 65.54 kB", "Base Device Size: 10.74 GB", "Backing Filesystem: xfs",
                "Data file: ", "Metadata file: ",
            ], "docker info --format '{{json .DriverStatus}}' as docker 17.03 prints it")
        #expect((docker["dialect"] as? [String: Any])?["version"] as? String == "17.03.2-ce")
        let bad = try run(["status", "--docker.version", "latest", "--dm.fixtures", "fixtures/demo"], currentDirectory: Repo.root.path)
        #expect(bad.status == 64)
        #expect(
            bad.stderr.contains("--docker.version: 'latest' is not a docker version (MAJOR.MINOR[.PATCH], e.g. 17.03.2-ce)"),
            "\(bad.stderr)")
    }

    /// fixtures/issue23-target-type-differs: a pool whose table says "thin-po\0ol" and whose
    /// status says thin-pool used to vanish from the report with exit 0 ("No thin pools found").
    @Test func savedOutputWhoseTableAndStatusDisagreeIsMalformed() throws {
        let dir = Repo.fixture("issue23-target-type-differs")
        let r = try run(["status", "--dm.fixtures", dir])
        #expect(r.status == 65, "\(r.output)")
        #expect(r.stdout.isEmpty)
        #expect(
            r.stderr
                == "thinpool-exporter: \(dir)/status:1: device docker-253:0-1234-pool: its table (\(dir)/table:1) has target \"thin-po\\0ol\" at 0+2097152, its status \"thin-pool\" at 0+2097152\n"
        )
    }

    @Test func badArguments() throws {
        let r = try run(["status", "--min-free-space", "100%", "--dm.fixtures", Repo.fixture("demo")])
        #expect(r.status == 64)
        #expect(r.stderr.contains("--min-free-space: '100%' is not a percentage from 0 to 99"))
    }

    /// The machines the suite runs on have no device-mapper in their kernel and run it as root;
    /// the VM scenarios cover a kernel with one (and an unprivileged user there).
    @Test(
        .enabled(if: geteuid() == 0, "needs root: as another user the first problem is permission"),
        .disabled(if: kernelHasDeviceMapper, "this kernel has device-mapper; the VM scenarios cover that case"))
    func kernelWithoutDeviceMapper() throws {
        let r = try run(["status"])
        #expect(r.status == 69)
        #expect(
            r.stderr
                == "thinpool-exporter: device-mapper is not available in this kernel: /dev/mapper/control: No such device (errno 19) (load the dm-mod module, or use --dm.fixtures DIR to read saved dmsetup output)\n"
        )
        // As an unprivileged user the first problem is permission.
        let n = try run(["status"], prefix: ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"])
        #expect(n.status == 77)
        #expect(n.stderr.contains("device-mapper ioctls need root or CAP_SYS_ADMIN"))
    }

    /// --version says what prometheus/common's version.Print says: the version (VERSION), the
    /// branch and the commit the binary was built from, the build date, the Swift version.
    @Test func versionNamesTheCommit() throws {
        let r = try run(["--version"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let version = try String(contentsOfFile: Repo.root.path + "/VERSION", encoding: .utf8).trimmingCharacters(in: .newlines)
        let branch = try git(["rev-parse", "--abbrev-ref", "HEAD"])
        #expect(lines.first == "thinpool-exporter, version \(version) (branch: \(branch), revision: \(try gitHead()))")
        #expect(lines.dropFirst().first?.hasPrefix("  build date:       2") == true, "\(lines)")
        #expect(lines.dropFirst(2).first?.hasPrefix("  swift version:    6.") == true, "\(lines)")
        #expect(lines.count == 4)
    }

    @Test func helpIsGolden() throws {
        let r = try run(["status", "--help"])
        #expect(r.status == 0)
        try golden.expect(r.stdout, "status-help.txt")
    }
}

/// Whether this machine's kernel has device-mapper (/proc/misc lists it).
let kernelHasDeviceMapper = (try? String(contentsOfFile: "/proc/misc", encoding: .utf8))?.contains("device-mapper") ?? false
