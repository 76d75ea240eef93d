import Testing
import ThinPoolCore

/// The outside input of the space scan: mountinfo, thin_ls and thin_dump output; and what a
/// trim frees, from free extents and mappings.
@Suite struct SpaceParsersTests {
    @Test func mountinfoLines() {
        let text = """
            22 1 254:3 / / rw,relatime shared:1 - ext4 /dev/mapper/root rw,errors=remount-ro
            36 22 253:7 / /var/lib/docker/devicemapper/mnt/abc rw,relatime - xfs /dev/mapper/docker-8:1-1-abc rw,nouuid
            37 22 253:7 /sub /srv/bind rw - xfs /dev/mapper/docker-8:1-1-abc rw
            38 22 253:9 / /mnt/with\\040space rw master:3 shared:4 - ext4 /dev/mapper/vg-lv rw
            not a mountinfo line
            39 22 x:y / /bad rw - ext4 /dev/x rw
            """
        let entries = MountEntry.parse(text)
        #expect(entries.count == 4)
        #expect(
            entries[1]
                == MountEntry(
                    device: DeviceNumber(major: 253, minor: 7), root: "/", mountPoint: "/var/lib/docker/devicemapper/mnt/abc",
                    fsType: "xfs", source: "/dev/mapper/docker-8:1-1-abc"))
        #expect(entries[3].mountPoint == "/mnt/with space", "optional fields before the dash, \\040 unescaped")
        let points = MountEntry.mountPoints(entries)
        #expect(
            points[DeviceNumber(major: 253, minor: 7)]?.mountPoint == "/var/lib/docker/devicemapper/mnt/abc",
            "the whole filesystem, not the bind of a subdirectory")
    }

    @Test func thinLsOutput() throws {
        let usage = try ThinUsage.parse("0 209715200 104857600 104857600\n  1    65536      0  65536\n\n")
        #expect(
            usage == [
                ThinUsage(deviceId: 0, mappedBytes: 209_715_200, exclusiveBytes: 104_857_600, sharedBytes: 104_857_600),
                ThinUsage(deviceId: 1, mappedBytes: 65536, exclusiveBytes: 0, sharedBytes: 65536),
            ])
        #expect(throws: ParseError.self) { try ThinUsage.parse("0 1 2\n") }
        #expect(throws: ParseError.self) { try ThinUsage.parse("0 1 x 0\n") }
        #expect(throws: ParseError.self) { try ThinUsage.parse("0 10 20 0\n") }
        do throws(ParseError) { _ = try ThinUsage.parse("0 3 2 1\n1 7 x 0\n") } catch {
            #expect(error.origin == "line 2" && error.field == "exclusive bytes")
        }
    }

    @Test func thinDumpMappings() throws {
        let xml = """
            <superblock uuid="" time="1" transaction="2" flags="0" version="2" data_block_size="128" nr_data_blocks="16384">
              <device dev_id="0" mapped_blocks="6" transaction="0" creation_time="0" snap_time="1">
                <range_mapping origin_begin="10" data_begin="0" length="4" time="0"/>
                <single_mapping origin_block="3" data_block="9" time="0"/>
                <single_mapping origin_block="14" data_block="12" time="1"/>
              </device>
              <device dev_id="7" mapped_blocks="0" transaction="0" creation_time="1" snap_time="1">
              </device>
            </superblock>
            """
        let m = try ThinDump.mappings(xml)
        #expect(m[0] == [BlockRange(start: 3, count: 1), BlockRange(start: 10, count: 5)], "14 joins 10..13")
        #expect(m[7] == [])
        #expect(throws: ParseError.self) { try ThinDump.mappings("<device dev_id=\"x\">") }
        // Past 64-bit block numbers: an error, not a trap (the fuzzer's inputs may say anything).
        #expect(throws: ParseError.self) {
            try ThinDump.mappings(
                "<device dev_id=\"1\">\n<range_mapping origin_begin=\"18446744073709551615\" data_begin=\"0\" length=\"2\" time=\"0\"/>")
        }
        #expect(
            Reclaim.reclaimable(
                freeExtents: [(.max - 4096, 4096)], mapped: [BlockRange(start: .max - 1, count: 1)], blockSize: 65536) == 0)
        #expect(throws: ParseError.self) { try ThinDump.mappings("<single_mapping origin_block=\"1\"/>") }
    }

    /// A pool block is freed only when one free extent covers all of it.
    @Test func reclaimCountsWholeBlocksInsideOneFreeExtent() {
        let bs: UInt64 = 65536
        let mapped = [BlockRange(start: 0, count: 100)]
        // [64 KiB, 64 KiB x 11): blocks 1..10.
        #expect(Reclaim.reclaimable(freeExtents: [(bs, 10 * bs)], mapped: mapped, blockSize: bs) == 10 * bs)
        // Starting mid-block: blocks 2..10 only.
        #expect(Reclaim.reclaimable(freeExtents: [(bs + 4096, 10 * bs - 4096)], mapped: mapped, blockSize: bs) == 9 * bs)
        // Two extents meeting inside block 5 (a block-group boundary): block 5 is not freed.
        #expect(
            Reclaim.reclaimable(freeExtents: [(0, 5 * bs + 4096), (5 * bs + 4096, 5 * bs - 4096)], mapped: mapped, blockSize: bs)
                == 9 * bs)
        // Unmapped blocks free nothing: only blocks 50..59 of 40..69 are mapped.
        #expect(
            Reclaim.reclaimable(freeExtents: [(40 * bs, 30 * bs)], mapped: [BlockRange(start: 50, count: 10)], blockSize: bs) == 10 * bs)
        #expect(Reclaim.reclaimable(freeExtents: [(0, bs - 1)], mapped: mapped, blockSize: bs) == 0)
    }
}
