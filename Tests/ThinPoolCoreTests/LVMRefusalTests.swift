import Testing

@testable import ThinPoolCore

/// lvm2's thin_pool_below_threshold (lib/metadata/thin_manip.c, 2.03.11 to 2.03.31), the check
/// `lvcreate -V -T VG/POOL` makes before a new thin LV; the VM scenario lvm-refusal compares
/// with the real lvcreate on both sides of each line.
@Suite struct LVMRefusalTests {
    /// A status line with `used`/`total` data blocks and `meta`/`metaTotal` metadata blocks.
    func status(_ used: Int, _ total: Int, meta: Int = 10, metaTotal: Int = 1024, mode: String = "rw", check: String = "-")
        throws -> ThinPoolStatus
    {
        try ThinPoolStatus(parsing: "1 \(meta)/\(metaTotal) \(used)/\(total) - \(mode) discard_passdown queue_if_no_space \(check) 256")
    }

    func decide(_ s: ThinPoolStatus, threshold: Int, metaTotal: UInt64 = 1024) -> LVMRefusal {
        LVMRefusal.decide(status: s, threshold: threshold, metadataSectors: metaTotal * 8)
    }

    @Test func dataPastTheThresholdRefusesAndAtItDoesNot() throws {
        // The pool: 75.8% used, threshold 65.
        let r = decide(try status(758, 1000), threshold: 65)
        #expect(r.data == "data 75.80% > thin_pool_autoextend_threshold 65%")
        #expect(r.metadata == nil)
        #expect(r.description == "yes (data 75.80% > thin_pool_autoextend_threshold 65%)")
        // lvm compares with ">": exactly at the threshold is allowed, a millionth of a percent
        // above is not.
        #expect(decide(try status(650, 1000), threshold: 65) == LVMRefusal())
        #expect(decide(try status(650_001, 1_000_000), threshold: 65).data != nil)
        #expect(decide(try status(650, 1000), threshold: 65).description == "no")
    }

    @Test func theThresholdIsTakenAsItIsNotRaisedToFiftyAndCappedAtAHundred() throws {
        // dmeventd treats 30 as 50; lvcreate's check does not.
        #expect(decide(try status(40, 100), threshold: 30).data == "data 40.00% > thin_pool_autoextend_threshold 30%")
        // At 100 (the default) data never refuses short of out of data space...
        #expect(decide(try status(999_999, 1_000_000), threshold: 100).data == nil)
        #expect(decide(try status(999_999, 1_000_000), threshold: 250).data == nil)
        // ...a full pool is out of data space.
        #expect(decide(try status(100, 100, mode: "out_of_data_space"), threshold: 100).data == "the pool is out of data space")
    }

    @Test func metadataHasLVMsOwnFloorWhateverTheThreshold() throws {
        // Under 16 MiB of metadata the floor is 75%: 4 MiB = 1024 blocks, 768 used is 75.00%.
        #expect(
            decide(try status(1, 100, meta: 768, metaTotal: 1024), threshold: 100).metadata
                == "metadata 75.00% >= 75.00% (lvm keeps 25% or 4 MiB of metadata free)")
        #expect(decide(try status(1, 100, meta: 767, metaTotal: 1024), threshold: 100).metadata == nil)
        // 64 MiB of metadata: 4 MiB free is 6.25%, so the floor is 93.75%.
        #expect(decide(try status(1, 100, meta: 15360, metaTotal: 16384), threshold: 100, metaTotal: 16384).metadata != nil)
        #expect(decide(try status(1, 100, meta: 15359, metaTotal: 16384), threshold: 100, metaTotal: 16384).metadata == nil)
        // And above the threshold (">", like data).
        #expect(
            decide(try status(1, 100, meta: 676, metaTotal: 1024), threshold: 65).metadata
                == "metadata 66.02% > thin_pool_autoextend_threshold 65%")
        #expect(decide(try status(1, 100, meta: 665, metaTotal: 1024), threshold: 65).metadata == nil)
    }

    @Test func aPoolInTroubleRefuses() throws {
        #expect(decide(try status(1, 100, mode: "ro"), threshold: 100).metadata == "the pool has read-only metadata")
        #expect(decide(try status(1, 100, check: "needs_check"), threshold: 100).metadata == "the pool needs check")
        #expect(
            decide(try ThinPoolStatus(parsing: "Fail"), threshold: 100)
                == LVMRefusal(data: "the pool is failed", metadata: "the pool is failed"))
        #expect(decide(try ThinPoolStatus(parsing: "Error"), threshold: 100).refuses)
        // Several reasons at once are all given.
        let both = decide(try status(90, 100, meta: 900, metaTotal: 1024, mode: "ro"), threshold: 80)
        #expect(both.data == "data 90.00% > thin_pool_autoextend_threshold 80%")
        #expect(both.metadata == "the pool has read-only metadata; metadata 87.89% >= 75.00% (lvm keeps 25% or 4 MiB of metadata free)")
    }
}
