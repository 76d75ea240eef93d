import Testing

@testable import ThinPoolCore

/// docker info's storage-driver lines, against what Debian 12's dockerd 20.10.24 printed in the
/// test VM for the same pool (the VM scenario docker-info compares live; these keep the rules
/// pinned without a kernel).
@Suite struct DockerDriverStatusTests {
    static let versions = DeviceMapperVersions(library: "1.02.185 (2022-05-18)", driver: "4.47.0", udevSync: false)

    /// dockerd's fresh loop-lvm pool (defaults) on a 700M tmpfs, as the VM showed it.
    func freshLoopLVM(
        dataFree: UInt64 = 388_902_912, docker: DockerPool? = nil, length: UInt64 = 209_715_200,
        status: String = "1 4256/524288 3664/1638400 - rw discard_passdown queue_if_no_space - 1024",
        percent: UInt64 = 10
    ) throws -> PoolReading {
        let file = FileID(device: 40, inode: 7)
        var s = ThinPool(
            name: "docker-0:26-25-pool", uuid: nil, number: DeviceNumber(major: 254, minor: 0), eventNumber: 0,
            length: Sectors(length), table: try ThinPoolTable(parsing: "7:1 7:0 128 32768 1 skip_block_zeroing"),
            status: try ThinPoolStatus(parsing: status),
            dataBacking: LoopBacking(
                path: "/var/lib/docker/devicemapper/devicemapper/data",
                filesystemFree: Bytes(dataFree), device: "/dev/loop0", file: file),
            metadataBacking: LoopBacking(
                path: "/var/lib/docker/devicemapper/devicemapper/metadata",
                filesystemFree: Bytes(dataFree), device: "/dev/loop1", file: file))
        var owner = PoolOwner(kind: .docker)
        owner.docker =
            docker
            ?? DockerPool(
                root: "/var/lib/docker", baseDeviceSize: 10_737_418_240, baseFilesystem: "ext4",
                dataFile: "/dev/loop0", metadataFile: "/dev/loop1",
                dataLoopFile: "/var/lib/docker/devicemapper/devicemapper/data",
                metadataLoopFile: "/var/lib/docker/devicemapper/devicemapper/metadata")
        s.owner = owner
        return PoolReading(pool: s, minFreeSpacePercent: percent)
    }

    func text(_ pairs: [(String, String)]?) -> String {
        (pairs ?? []).map { "\($0.0): \($0.1)\n" }.joined()
    }

    @Test func freshLoopLVMAsDockerPrintedIt() throws {
        let r = try freshLoopLVM()
        #expect(
            text(DockerDriverStatus.pairs(r, versions: Self.versions)) == """
                Pool Name: docker-0:26-25-pool
                Pool Blocksize: 65.54kB
                Base Device Size: 10.74GB
                Backing Filesystem: ext4
                Udev Sync Supported: false
                Data file: /dev/loop0
                Metadata file: /dev/loop1
                Data loop file: /var/lib/docker/devicemapper/devicemapper/data
                Metadata loop file: /var/lib/docker/devicemapper/devicemapper/metadata
                Data Space Used: 240.1MB
                Data Space Total: 107.4GB
                Data Space Available: 388.9MB
                Metadata Space Used: 17.43MB
                Metadata Space Total: 2.147GB
                Metadata Space Available: 388.9MB
                Thin Pool Minimum Free Space: 10.74GB
                Deferred Removal Enabled: true
                Deferred Deletion Enabled: true
                Deferred Deleted Device Count: 0
                Library Version: 1.02.185 (2022-05-18)

                """)
    }

    @Test func deferredSettingsAndOldKernels() throws {
        var d = try #require(try freshLoopLVM().pool?.owner?.docker)
        d.deferredRemoval = false
        d.deferredDeletion = false
        let off = try freshLoopLVM(docker: d)
        #expect(
            text(DockerDriverStatus.pairs(off, versions: Self.versions)).contains(
                "Deferred Removal Enabled: false\nDeferred Deletion Enabled: false\n"))
        // Before dm ioctl 4.27 docker leaves them off unless asked.
        let old = DeviceMapperVersions(library: "1.02.110", driver: "4.26.0", udevSync: true)
        let t = text(DockerDriverStatus.pairs(try freshLoopLVM(), versions: old))
        #expect(t.contains("Udev Sync Supported: true\n"))
        #expect(t.contains("Deferred Removal Enabled: false\nDeferred Deletion Enabled: false\n"))
        // A fixture that says nothing: say so rather than guess; no Library Version line (docker
        // omits it when the library cannot tell).
        let none = text(DockerDriverStatus.pairs(try freshLoopLVM(), versions: DeviceMapperVersions()))
        #expect(none.contains("Udev Sync Supported: unknown\n"))
        #expect(none.contains("Deferred Removal Enabled: unknown\n"))
        #expect(!none.contains("Library Version"))
    }

    @Test func directLVMHasNoFileLines() throws {
        let d = DockerPool(
            root: "/var/lib/docker", baseDeviceSize: 10_737_418_240, baseFilesystem: "ext4",
            thinPoolDevice: "docker-thinpool", deferredRemoval: true, deferredDeletion: true)
        let t = text(DockerDriverStatus.pairs(try freshLoopLVM(docker: d), versions: Self.versions))
        #expect(
            t.hasPrefix(
                "Pool Name: docker-thinpool\nPool Blocksize: 65.54kB\nBase Device Size: 10.74GB\nBacking Filesystem: ext4\nUdev Sync Supported: false\nData Space Used: 240.1MB\n"
            ))
        // Not docker's loop file: docker does not cap Available by its filesystem.
        #expect(t.contains("Data Space Available: 107.1GB\n"))
    }

    /// docker divides the table length by the total data blocks; the table's block size is the
    /// kernel's truth. They differ only for a length that is not a whole number of blocks.
    @Test func blockSizeAsDockerDerivesIt() throws {
        // 1000 sectors at 128 per block: the kernel counts 7 blocks; docker 1000 / 7 = 142 sectors.
        let r = try freshLoopLVM(length: 1000, status: "1 10/100 3/7 - rw discard_passdown queue_if_no_space - 10")
        let pairs = try #require(DockerDriverStatus.pairs(r, versions: Self.versions))
        #expect(pairs.first { $0.0 == "Pool Blocksize" }?.1 == "72.7kB")
        #expect(pairs.first { $0.0 == "Data Space Total" }?.1 == "508.9kB")
        #expect(r.capacity?.blockSize == Bytes(65_536))
    }

    @Test func aFailedPoolShowsDockersZeros() throws {
        let r = try freshLoopLVM(status: "Fail")
        let pairs = try #require(DockerDriverStatus.pairs(r, versions: Self.versions))
        #expect(pairs.first { $0.0 == "Data Space Used" }?.1 == "0B")
        #expect(pairs.first { $0.0 == "Pool Blocksize" }?.1 == "0B")
    }

    @Test func notDockersPoolHasNoDockerLines() throws {
        var r = try freshLoopLVM()
        r.pool?.owner = nil
        #expect(DockerDriverStatus.pairs(r, versions: Self.versions) == nil)
    }

    /// The messages dockerd returned from `docker create` in the VM, word for word.
    @Test func refusalsInDockersWords() throws {
        // 800M data file, dm.min_free_space=20%: 12800 blocks, minimum 2560, 2532 free.
        let data = try freshLoopLVM(
            length: 1_638_400, status: "1 1000/16384 10268/12800 - rw discard_passdown queue_if_no_space - 1024",
            percent: 20)
        #expect(
            data.capacity?.dockerRefusal
                == "devmapper: Thin Pool has 2532 free data blocks which is less than minimum required 2560 free data blocks. Create more free space in thin pool or use dm.min_free_space option to change behavior"
        )
        // 8M metadata file, dm.min_free_space=80%: 2048 blocks, minimum 1638, 1636 free.
        let meta = try freshLoopLVM(status: "1 412/2048 4275/1638400 - rw discard_passdown queue_if_no_space - 512", percent: 80)
        #expect(
            meta.capacity?.dockerRefusal
                == "devmapper: Thin Pool has 1636 free metadata blocks which is less than minimum required 1638 free metadata blocks. Create more free metadata space in thin pool or use dm.min_free_space option to change behavior"
        )
        #expect(try freshLoopLVM().capacity?.dockerRefusal == nil)
    }

    @Test func dmsetupVersionParses() {
        let v = DeviceMapperVersions.parse(dmsetupVersion: "Library version:   1.02.185 (2022-05-18)\nDriver version:    4.47.0\n")
        #expect(v == DeviceMapperVersions(library: "1.02.185 (2022-05-18)", driver: "4.47.0", udevSync: nil))
        #expect(v.driverSupportsDeferredRemoval == true)
        #expect(DeviceMapperVersions(driver: "4.27.0").driverSupportsDeferredRemoval == true)
        #expect(DeviceMapperVersions(driver: "4.26.9").driverSupportsDeferredRemoval == false)
        #expect(DeviceMapperVersions(driver: "garbage").driverSupportsDeferredRemoval == nil)
    }
}
