import Testing

@testable import ThinPoolCore

/// lvs's figures, as LVM 2.03 computes them (libdevmapper's dm_make_percent, single-precision
/// rounding, "%.2f"); the VM scenario lvm-report compares with lvs itself.
@Suite struct LVMReportTests {
    @Test(
        arguments: [
            (3, 20, "15.00"), (1152, 10000, "11.52"), (99999, 100000, "99.99"), (1, 100000, "0.01"),
            (1, 800, "0.12"),  // an exact tie, rounded to even
            (0, 100, "0.00"), (100, 100, "100.00"), (5, 0, "100.00"),
            (9, 2_000_000, "0.01"),  // above zero is never 0.00
            (1_999_999, 2_000_000, "99.99"),  // short of full is never 100.00
            (560, 1920, "29.17"), (115, 1024, "11.23"),  // seen from lvs in the VM
            (9, 200000, "0.01"), (45, 100000, "0.05"),  // single precision: 0.045 prints 0.05 (double would print 0.04)
        ] as [(UInt64, UInt64, String)])
    func percent(n: UInt64, d: UInt64, text: String) {
        #expect(LVMReport.percent(n, d) == text)
    }

    @Test func thinLVsAgainstTheirSizeRoundedToTheChunk() {
        // 30 MiB written to a 1 GiB LV with 64 KiB chunks: lvs printed 2.93.
        #expect(LVMReport.thinPercent(mapped: Sectors(61440), size: Sectors(2_097_152), chunk: Sectors(128)) == "2.93")
        // A size that is not a whole number of chunks counts the last chunk whole.
        #expect(LVMReport.thinPercent(mapped: Sectors(128), size: Sectors(129), chunk: Sectors(128)) == "50.00")
        #expect(LVMReport.thinPercent(mapped: Sectors(300), size: Sectors(256), chunk: Sectors(128)) == "100.00")
        #expect(LVMReport.thinPercent(mapped: Sectors(1), size: Sectors(1), chunk: Sectors(0)) == "")
    }

    @Test func healthAndWhenFull() throws {
        #expect(LVMReport.health(try ThinPoolStatus(parsing: "1 10/100 5/50 - rw discard_passdown queue_if_no_space - 10")) == "")
        #expect(
            LVMReport.health(try ThinPoolStatus(parsing: "1 10/100 50/50 - out_of_data_space discard_passdown queue_if_no_space - 10"))
                == "out_of_data")
        #expect(
            LVMReport.health(try ThinPoolStatus(parsing: "1 10/100 5/50 - ro discard_passdown queue_if_no_space needs_check 10"))
                == "metadata_read_only")
        #expect(LVMReport.health(try ThinPoolStatus(parsing: "Fail")) == "failed")
        #expect(LVMReport.health(try ThinPoolStatus(parsing: "Error")) == "failed")
        #expect(LVMReport.whenFull(try ThinPoolTable(parsing: "254:0 254:1 128 0 1 error_if_no_space")) == "error")
        #expect(LVMReport.whenFull(try ThinPoolTable(parsing: "254:0 254:1 128 0 0")) == "queue")
    }

    @Test func whatLVMDoesByItself() {
        let on = LVMAutoextend(monitored: true, threshold: 70, percent: 20, profile: "docker-thinpool")
        #expect(on.extendsItself)
        #expect(
            on.description
                == "dmeventd extends it past 70% by 20% (thin_pool_autoextend_threshold 70, _percent 20, profile docker-thinpool)")
        #expect(!LVMAutoextend(monitored: false, threshold: 70, percent: 20).extendsItself)
        #expect(!LVMAutoextend(monitored: true, threshold: 100, percent: 20).extendsItself, "100: LVM's autoextend is off")
        #expect(LVMAutoextend(monitored: true, threshold: 30, percent: 20).effectiveThreshold == 50, "LVM raises it to 50")
    }
}
