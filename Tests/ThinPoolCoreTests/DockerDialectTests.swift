import Testing

@testable import ThinPoolCore

/// docker info's storage-driver block as each docker release prints it, held byte for byte to
/// outputs users published (quoted below with where they were published), each rebuilt from the
/// pool numbers that produce it. docker's rules are moby's daemon/graphdriver/devmapper
/// Driver.Status() and its vendored go-units at v1.13.1, v17.03.2-ce, v17.06.0-ce and
/// v18.06.0-ce: sizes without the space from 17.04 (go-units' "Bump go-units", cb89d658), the
/// lines regrouped from 17.11 (moby 8f702de). The live judge is the real dockerd 20.10 in the
/// VM (Tests/VM/scenarios/docker-info.sh).
@Suite struct DockerDialectTests {
    /// One published host: the pool's numbers and docker's settings.
    struct Host {
        var version: String
        var pool: String
        var blockSectors: UInt64 = 128
        var totalData: UInt64
        var usedData: UInt64
        var totalMeta: UInt64
        var usedMeta: UInt64
        /// Free space of the filesystem under docker's loop files (caps Available); nil for
        /// direct-lvm.
        var loopFilesystemFree: UInt64?
        var root = "/var/lib/docker"
        var thinPoolDevice: String?
        var filesystem: String
        var deferred: Bool
        var library: String

        func block() throws -> String {
            let loop = loopFilesystemFree != nil
            var s = ThinPool(
                name: pool, uuid: nil, number: DeviceNumber(major: 254, minor: 0), eventNumber: 0,
                length: Sectors(totalData * blockSectors),
                table: try ThinPoolTable(parsing: "7:1 7:0 \(blockSectors) 32768 1 skip_block_zeroing"),
                status: try ThinPoolStatus(
                    parsing: "1 \(usedMeta)/\(totalMeta) \(usedData)/\(totalData) - rw discard_passdown queue_if_no_space - 1024"))
            if let free = loopFilesystemFree {
                s.dataBacking = LoopBacking(path: root + "/devicemapper/devicemapper/data", filesystemFree: Bytes(free))
                s.metadataBacking = LoopBacking(path: root + "/devicemapper/devicemapper/metadata", filesystemFree: Bytes(free))
            }
            var docker = DockerPool(
                root: root, baseDeviceSize: 10_737_418_240, baseFilesystem: filesystem, thinPoolDevice: thinPoolDevice,
                deferredRemoval: deferred, deferredDeletion: deferred, dataFile: loop ? "/dev/loop0" : nil,
                metadataFile: loop ? "/dev/loop1" : nil,
                dataLoopFile: loop ? root + "/devicemapper/devicemapper/data" : nil,
                metadataLoopFile: loop ? root + "/devicemapper/devicemapper/metadata" : nil)
            docker.dialect = DockerDialect(version: DockerVersion(version), source: .flag)
            var owner = PoolOwner(kind: .docker)
            owner.docker = docker
            s.owner = owner
            let r = PoolReading(pool: s, minFreeSpacePercent: 10)
            let pairs = try #require(DockerDriverStatus.pairs(r, versions: DeviceMapperVersions(library: library, udevSync: true)))
            // As the docker client prints DriverStatus: " KEY: VALUE" under the driver's line.
            return (["Storage Driver: devicemapper"] + pairs.map { " \($0.0): \($0.1)" }).joined(separator: "\n") + "\n"
        }
    }

    /// The published block, without the line docker 1.13's client wrote to stderr in the middle
    /// of it (" WARNING: Usage of loopback devices..."): not part of DriverStatus.
    static func published(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix(" WARNING: ") }.joined(separator: "\n")
    }

    /// docker 17.03.1-ce, loop-lvm on xfs under a moved data root: cloudera/clusterdock#27.
    @Test func docker17031LoopLVM() throws {
        let host = Host(
            version: "17.03.1-ce", pool: "docker-8:17-20972999-pool", totalData: 1_638_400, usedData: 170_212, totalMeta: 524_288,
            usedMeta: 2138, loopFilesystemFree: 200_000_000_000, root: "/media/data/linux/docker", filesystem: "xfs", deferred: false,
            library: "1.02.138 (2017-03-28)")
        #expect(
            try host.block()
                == Self.published(
                    """
                    Storage Driver: devicemapper
                     Pool Name: docker-8:17-20972999-pool
                     Pool Blocksize: 65.54 kB
                     Base Device Size: 10.74 GB
                     Backing Filesystem: xfs
                     Data file: /dev/loop0
                     Metadata file: /dev/loop1
                     Data Space Used: 11.16 GB
                     Data Space Total: 107.4 GB
                     Data Space Available: 96.22 GB
                     Metadata Space Used: 8.757 MB
                     Metadata Space Total: 2.147 GB
                     Metadata Space Available: 2.139 GB
                     Thin Pool Minimum Free Space: 10.74 GB
                     Udev Sync Supported: true
                     Deferred Removal Enabled: false
                     Deferred Deletion Enabled: false
                     Deferred Deleted Device Count: 0
                     Data loop file: /media/data/linux/docker/devicemapper/devicemapper/data
                     WARNING: Usage of loopback devices is strongly discouraged for production use. Use `--storage-opt dm.thinpooldev` to specify a custom block storage device.
                     Metadata loop file: /media/data/linux/docker/devicemapper/devicemapper/metadata
                     Library Version: 1.02.138 (2017-03-28)

                    """))
    }

    /// docker 1.13.1, direct-lvm (dm.thinpooldev=vg0-pool0): moby/moby#30003. The files are
    /// printed empty, with the space after the colon.
    @Test func docker1131DirectLVM() throws {
        let host = Host(
            version: "1.13.1", pool: "vg0-pool0-tpool", totalData: 1_113_970, usedData: 301_590, totalMeta: 1_047_608, usedMeta: 8490,
            thinPoolDevice: "vg0-pool0", filesystem: "ext4", deferred: true, library: "1.02.110 (2015-10-30)")
        #expect(
            try host.block() == """
                Storage Driver: devicemapper
                 Pool Name: vg0-pool0
                 Pool Blocksize: 65.54 kB
                 Base Device Size: 10.74 GB
                 Backing Filesystem: ext4
                 Data file:\u{20}
                 Metadata file:\u{20}
                 Data Space Used: 19.77 GB
                 Data Space Total: 73.01 GB
                 Data Space Available: 53.24 GB
                 Metadata Space Used: 34.78 MB
                 Metadata Space Total: 4.291 GB
                 Metadata Space Available: 4.256 GB
                 Thin Pool Minimum Free Space: 7.301 GB
                 Udev Sync Supported: true
                 Deferred Removal Enabled: true
                 Deferred Deletion Enabled: true
                 Deferred Deleted Device Count: 0
                 Library Version: 1.02.110 (2015-10-30)

                """)
    }

    /// Red Hat's docker 1.12.6 on CentOS 7, direct-lvm with 512 KiB blocks (an OpenShift origin
    /// notes file): the same dialect as 1.13.
    @Test func docker1126RedHatDirectLVM() throws {
        let host = Host(
            version: "1.12.6", pool: "centos-docker--pool", blockSectors: 1024, totalData: 5904, usedData: 4110, totalMeta: 4097,
            usedMeta: 105, thinPoolDevice: "centos-docker--pool", filesystem: "xfs", deferred: true,
            library: "1.02.140-RHEL7 (2017-05-03)")
        #expect(
            try host.block() == """
                Storage Driver: devicemapper
                 Pool Name: centos-docker--pool
                 Pool Blocksize: 524.3 kB
                 Base Device Size: 10.74 GB
                 Backing Filesystem: xfs
                 Data file:\u{20}
                 Metadata file:\u{20}
                 Data Space Used: 2.155 GB
                 Data Space Total: 3.095 GB
                 Data Space Available: 940.6 MB
                 Metadata Space Used: 430.1 kB
                 Metadata Space Total: 16.78 MB
                 Metadata Space Available: 16.35 MB
                 Thin Pool Minimum Free Space: 309.3 MB
                 Udev Sync Supported: true
                 Deferred Removal Enabled: true
                 Deferred Deletion Enabled: true
                 Deferred Deleted Device Count: 0
                 Library Version: 1.02.140-RHEL7 (2017-05-03)

                """)
    }

    /// docker 17.05.0-ce, loop-lvm: moby/moby#35939. No space before the unit, the first order.
    @Test func docker17050LoopLVM() throws {
        let host = Host(
            version: "17.05.0-ce", pool: "docker-253:1-100928529-pool", totalData: 1_638_400, usedData: 1_473_529, totalMeta: 524_288,
            usedMeta: 878, loopFilesystemFree: 50_000_000_000, filesystem: "xfs", deferred: false, library: "1.02.107-RHEL7 (2016-06-09)")
        #expect(
            try host.block() == """
                Storage Driver: devicemapper
                 Pool Name: docker-253:1-100928529-pool
                 Pool Blocksize: 65.54kB
                 Base Device Size: 10.74GB
                 Backing Filesystem: xfs
                 Data file: /dev/loop0
                 Metadata file: /dev/loop1
                 Data Space Used: 96.57GB
                 Data Space Total: 107.4GB
                 Data Space Available: 10.8GB
                 Metadata Space Used: 3.596MB
                 Metadata Space Total: 2.147GB
                 Metadata Space Available: 2.144GB
                 Thin Pool Minimum Free Space: 10.74GB
                 Udev Sync Supported: true
                 Deferred Removal Enabled: false
                 Deferred Deletion Enabled: false
                 Deferred Deleted Device Count: 0
                 Data loop file: /var/lib/docker/devicemapper/devicemapper/data
                 Metadata loop file: /var/lib/docker/devicemapper/devicemapper/metadata
                 Library Version: 1.02.107-RHEL7 (2016-06-09)

                """)
    }

    /// docker 18.06.1, direct-lvm (docker-thinpool, 512 KiB blocks): kata-containers/runtime#1446.
    /// The regrouped order: Udev Sync Supported first, no empty file lines.
    @Test func docker18061DirectLVM() throws {
        let host = Host(
            version: "18.06.1", pool: "docker-thinpool-tpool", blockSectors: 1024, totalData: 180_200, usedData: 11_753,
            totalMeta: 242_700, usedMeta: 210, thinPoolDevice: "docker-thinpool", filesystem: "xfs", deferred: true,
            library: "1.02.149-RHEL7 (2018-07-20)")
        #expect(
            try host.block() == """
                Storage Driver: devicemapper
                 Pool Name: docker-thinpool
                 Pool Blocksize: 524.3kB
                 Base Device Size: 10.74GB
                 Backing Filesystem: xfs
                 Udev Sync Supported: true
                 Data Space Used: 6.162GB
                 Data Space Total: 94.48GB
                 Data Space Available: 88.31GB
                 Metadata Space Used: 860.2kB
                 Metadata Space Total: 994.1MB
                 Metadata Space Available: 993.2MB
                 Thin Pool Minimum Free Space: 9.448GB
                 Deferred Removal Enabled: true
                 Deferred Deletion Enabled: true
                 Deferred Deleted Device Count: 0
                 Library Version: 1.02.149-RHEL7 (2018-07-20)

                """)
    }

    /// docker 18.09.0, loop-lvm on CentOS 7, Available capped by the filesystem under the loop
    /// files: moby/moby#38506.
    @Test func docker18090LoopLVM() throws {
        let host = Host(
            version: "18.09.0", pool: "docker-253:2-104-pool", totalData: 1_638_400, usedData: 2465, totalMeta: 524_288, usedMeta: 196,
            loopFilesystemFree: 10_100_000_000, filesystem: "xfs", deferred: true, library: "1.02.146-RHEL7 (2018-01-22)")
        #expect(
            try host.block() == """
                Storage Driver: devicemapper
                 Pool Name: docker-253:2-104-pool
                 Pool Blocksize: 65.54kB
                 Base Device Size: 10.74GB
                 Backing Filesystem: xfs
                 Udev Sync Supported: true
                 Data file: /dev/loop0
                 Metadata file: /dev/loop1
                 Data loop file: /var/lib/docker/devicemapper/devicemapper/data
                 Metadata loop file: /var/lib/docker/devicemapper/devicemapper/metadata
                 Data Space Used: 161.5MB
                 Data Space Total: 107.4GB
                 Data Space Available: 10.1GB
                 Metadata Space Used: 802.8kB
                 Metadata Space Total: 2.147GB
                 Metadata Space Available: 2.147GB
                 Thin Pool Minimum Free Space: 10.74GB
                 Deferred Removal Enabled: true
                 Deferred Deletion Enabled: true
                 Deferred Deleted Device Count: 0
                 Library Version: 1.02.146-RHEL7 (2018-01-22)

                """)
    }

    @Test func versionsAreReadAsDockerPrintsThem() {
        #expect(DockerVersion("17.03.2-ce") == DockerVersion(17, 3, 2))
        #expect(DockerVersion("1.13.1") == DockerVersion(1, 13, 1))
        #expect(DockerVersion("20.10.24+dfsg1") == DockerVersion(20, 10, 24))
        #expect(DockerVersion("18.06.1") == DockerVersion(18, 6, 1))
        #expect(DockerVersion("24.0") == DockerVersion(24, 0))
        #expect(DockerVersion("dev") == nil)
        #expect(DockerVersion("") == nil)
        #expect(DockerVersion("17") == nil)
        let old = DockerDialect(version: DockerVersion("17.03.2-ce"), source: .flag)
        #expect(old.spacedUnits && old.firstOrder)
        #expect(!DockerDialect(version: DockerVersion("17.04.0-ce"), source: .flag).spacedUnits)
        #expect(DockerDialect(version: DockerVersion("17.10.0-ce"), source: .flag).firstOrder)
        #expect(!DockerDialect(version: DockerVersion("17.11.0-ce"), source: .flag).firstOrder)
        let unknown = DockerDialect.unknown("no socket")
        #expect(!unknown.spacedUnits && !unknown.firstOrder, "unknown: today's form")
        #expect(old.size(65536) == "65.54 kB")
        #expect(old.size(512) == "512 B")
    }
}
