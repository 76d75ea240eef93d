import Testing

@testable import ThinPoolCore

/// Status lines from real kernels: ../shared/VM-TESTING.md (6.1, thin-pool 1.22), DESIGN.md's
/// reference host, and fixtures/demo (captured in the VM).
@Suite struct ThinPoolStatusTests {
    @Test func healthyPoolOn61() throws {
        let s = try ThinPoolStatus(parsing: "0 421/4096 256/4096 - rw discard_passdown queue_if_no_space - 1024")
        let w = try #require(s.working)
        #expect(w.transactionId == 0)
        #expect(w.usedMetadata == MetadataBlocks(421))
        #expect(w.totalMetadata == MetadataBlocks(4096))
        #expect(w.usedData == DataBlocks(256))
        #expect(w.totalData == DataBlocks(4096))
        #expect(w.heldMetadataRoot == nil)
        #expect(w.mode == .readWrite)
        #expect(w.discard == .passdown)
        #expect(w.noSpacePolicy == .queue)
        #expect(w.needsCheck == false)
        #expect(w.metadataLowWatermark == MetadataBlocks(1024))
    }

    @Test func outOfDataSpace() throws {
        let w = try #require(
            try ThinPoolStatus(parsing: "0 115/1024 512/512 - out_of_data_space discard_passdown queue_if_no_space - 256").working)
        #expect(w.mode == .outOfDataSpace)
        #expect(w.freeData == DataBlocks(0))
    }

    @Test func referenceHostWithoutMetadataWatermark() throws {
        // An older kernel: no metadata low watermark after needs_check.
        let w = try #require(
            try ThinPoolStatus(parsing: "65465 11492/4161600 581965/3276800 - rw no_discard_passdown queue_if_no_space -").working)
        #expect(w.transactionId == 65465)
        #expect(w.discard == .noPassdown)
        #expect(w.needsCheck == false)
        #expect(w.metadataLowWatermark == nil)
    }

    @Test func readOnlyNeedsCheckErrorPolicyHeldRoot() throws {
        let w = try #require(
            try ThinPoolStatus(parsing: "7 500/1024 100/512 88 ro ignore_discard error_if_no_space needs_check 256").working)
        #expect(w.heldMetadataRoot == 88)
        #expect(w.mode == .readOnly)
        #expect(w.discard == .ignore)
        #expect(w.noSpacePolicy == .error)
        #expect(w.needsCheck == true)
    }

    @Test(arguments: [
        // Each older kernel stops after one more field.
        ("1 2/10 3/10 -", 0),
        ("1 2/10 3/10 - rw", 1),
        ("1 2/10 3/10 - rw discard_passdown", 2),
        ("1 2/10 3/10 - rw discard_passdown queue_if_no_space", 3),
        ("1 2/10 3/10 - rw discard_passdown queue_if_no_space -", 4),
        ("1 2/10 3/10 - rw discard_passdown queue_if_no_space - 5", 5),
    ])
    func olderKernelsOmitTrailingFields(line: String, optionalFields: Int) throws {
        let w = try #require(try ThinPoolStatus(parsing: line).working)
        let present = [
            w.mode != nil, w.discard != nil, w.noSpacePolicy != nil, w.needsCheck != nil,
            w.metadataLowWatermark != nil,
        ].filter { $0 }.count
        #expect(present == optionalFields)
    }

    @Test func failAndError() throws {
        #expect(try ThinPoolStatus(parsing: "Fail") == .fail)
        #expect(try ThinPoolStatus(parsing: "Error") == .error)
        #expect(try ThinPoolStatus(parsing: "Fail").working == nil)
    }

    @Test(arguments: [
        "0 421/4096 256/4096 - rw discard_passdown queue_if_no_space - 1024",
        "65465 11492/4161600 581965/3276800 - rw no_discard_passdown queue_if_no_space -",
        "7 500/1024 100/512 88 ro ignore_discard error_if_no_space needs_check 256",
        "1 2/10 3/10 -", "Fail", "Error",
    ])
    func descriptionRoundTrips(line: String) throws {
        let s = try ThinPoolStatus(parsing: line)
        #expect(s.description == line)
        #expect(try ThinPoolStatus(parsing: s.description) == s)
    }

    @Test func toleratesTheKernelsTrailingSpace() throws {
        let s = try ThinPoolStatus(parsing: "0 221/2048 1024/3200 - rw discard_passdown queue_if_no_space - 512 ")
        #expect(s.working?.metadataLowWatermark == MetadataBlocks(512))
    }

    // Malformed lines: a clear error naming field, position and text; never a trap.
    @Test(arguments: [
        ("", 1, "transaction id", "empty status"),
        ("0 421/4096", 3, "used/total data blocks", "missing"),
        ("0 421/4096 256/4096", 4, "held metadata root", "missing"),
        ("x 421/4096 256/4096 -", 1, "transaction id", "not a non-negative integer"),
        ("0 421 256/4096 -", 2, "used/total metadata blocks", "expected <used>/<total>"),
        ("0 421/4096 25x/4096 -", 3, "used/total data blocks", "not a non-negative integer"),
        ("0 421/4096 5000/4096 -", 3, "used/total data blocks", "used (5000) exceeds total (4096)"),
        ("0 421/4096 0/0 -", 3, "used/total data blocks", "total is zero"),
        ("0 0/0 0/10 -", 2, "used/total metadata blocks", "total is zero"),
        ("0 421/4096 1/18446744073709551616 -", 3, "used/total data blocks", "does not fit in 64 bits"),
        ("0 421/4096 256/4096 x", 4, "held metadata root", "not a non-negative integer"),
        ("0 421/4096 256/4096 - rx", 5, "mode", "not a known mode word"),
        ("0 421/4096 256/4096 - rw discard", 6, "discard", "not a known discard word"),
        ("0 421/4096 256/4096 - rw discard_passdown queue", 7, "no-space policy", "not a known"),
        ("0 421/4096 256/4096 - rw discard_passdown queue_if_no_space yes", 8, "needs_check", "expected needs_check or -"),
        ("0 421/4096 256/4096 - rw discard_passdown queue_if_no_space - x", 9, "metadata low watermark", "not a non-negative"),
        (
            "0 421/4096 256/4096 - rw discard_passdown queue_if_no_space - 1 extra", 10, "after metadata low watermark",
            "unexpected extra field"
        ),
        ("-1 421/4096 256/4096 -", 1, "transaction id", "not a non-negative integer"),
        ("Fail now", 1, "transaction id", "not a non-negative integer"),
    ])
    func malformed(line: String, position: Int, field: String, reason: String) {
        do {
            let s = try ThinPoolStatus(parsing: line)
            Issue.record("parsed \(line) as \(s)")
        } catch {
            #expect(error.position == position, "\(error)")
            #expect(error.field == field, "\(error)")
            #expect(error.reason.contains(reason), "\(error)")
            #expect(error.description.contains("thin-pool status: "), "\(error)")
        }
    }

    @Test func errorTextNamesFieldPositionAndText() {
        #expect(throws: ParseError.self) { try ThinPoolStatus(parsing: "0 421/4096 5000/4096 -") }
        do { _ = try ThinPoolStatus(parsing: "0 421/4096 5000/4096 -") } catch {
            #expect(
                error.at("status:3").description
                    == "status:3: thin-pool status: field 3 (used/total data blocks) \"5000/4096\": used (5000) exceeds total (4096)")
        }
    }

    @Test func hugeNumbersParseExactly() throws {
        let max = UInt64.max
        let w = try #require(try ThinPoolStatus(parsing: "\(max) \(max)/\(max) \(max - 1)/\(max) \(max)").working)
        #expect(w.transactionId == max)
        #expect(w.usedData.rawValue == max - 1)
        #expect(w.heldMetadataRoot == max)
    }
}

@Suite struct ThinStatusTests {
    @Test func realLines() throws {
        #expect(try ThinStatus(parsing: "32768 32767") == .active(mapped: Sectors(32768), highestMapped: Sectors(32767)))
        #expect(try ThinStatus(parsing: "0 -") == .active(mapped: Sectors(0), highestMapped: nil))
        #expect(try ThinStatus(parsing: "Fail") == .fail)
        #expect(try ThinStatus(parsing: "Error") == .error)
        #expect(try ThinStatus(parsing: "-") == .inactive)
        for line in ["32768 32767", "0 -", "Fail", "Error", "-"] {
            #expect(try ThinStatus(parsing: line).description == line)
        }
    }

    @Test(arguments: ["", "12", "a -", "1 2 3", "1 x"])
    func malformed(line: String) {
        #expect(throws: ParseError.self) { try ThinStatus(parsing: line) }
    }
}

/// The in-place readers (every status read goes through them) against the field-by-field
/// parsers: the same value for every line they read, and they read every well-formed form;
/// what they leave (nil) is what the full parser must report or handles itself.
@Suite struct FastStatusParseTests {
    static let poolLines = [
        "0 10/1024 2/512 - rw discard_passdown queue_if_no_space - 256",
        "7 500/1024 100/512 88 ro ignore_discard error_if_no_space needs_check 256",
        "3 12/2048 8192/8192 - out_of_data_space no_discard_passdown queue_if_no_space - 1024 ",
        "1 2/4 3/8 -", "1 2/4 3/8 - rw", "1 2/4 3/8 - rw discard_passdown",
        "1 2/4 3/8 - rw discard_passdown error_if_no_space", "1 2/4 3/8 - rw discard_passdown error_if_no_space -",
        "18446744073709551615 1/1 0/18446744073709551615 18446744073709551615",
        // What only the full parser reads or rejects:
        "Fail", "Error", "", " ", "1 2/4 3/8", "1 5/4 3/8 -", "1 2/0 0/8 -", "1 2/4/4 3/8 -", "x 2/4 3/8 -",
        "18446744073709551616 2/4 3/8 -", "1 2/4 3/8 - rx", "1 2/4 3/8 - rw discard", "1 2/4 3/8 - rw discard_passdown queue",
        "1 2/4 3/8 - rw discard_passdown queue_if_no_space maybe", "1 2/4 3/8 - rw discard_passdown queue_if_no_space - 1 2",
        "1 2/4 3/8 - rw discard_passdown queue_if_no_space - -1", "1 +2/4 3/8 -", "1\t2/4\n3/8\r-",
        // Numbers around the 19 digits read without an overflow check, and words that only
        // begin like one the kernel prints:
        "9999999999999999999 1/1 1/1 -", "00000000000000000000001 1/10000000000000000000 1/1 -",
        "99999999999999999999 1/1 1/1 -", "1 1/1 18446744073709551616/1 -", "1 1/1 1/18446744073709551616 -",
        "1 2/4 3/8 - rwx", "1 2/4 3/8 - r", "1 2/4 3/8 - rw discard_passdownx", "1 2/4 3/8 -x rw",
        "1 2/4 3/8 - rw discard_passdown queue_if_no_space -x", "1 2/4 3/8 - rw discard_passdown queue_if_no_space needs_checkx",
        "1 2/4 3/8 - rw discard_passdown queue_if_no_space - 1024x", "1 2/4 3/8 - rw  ignore_discard\terror_if_no_space   needs_check 7",
    ]

    @Test(arguments: poolLines) func poolStatusAgrees(line: String) {
        let fast = Array(line.utf8).withUnsafeBufferPointer { ThinPoolStatus.fast($0) }
        let full = try? ThinPoolStatus(fieldByField: line)
        if let fast { #expect(fast == full) }
        if full != nil, ![ThinPoolStatus.fail, .error].contains(full!) {
            #expect(fast != nil, "a well-formed line is read in place")
        }
        #expect((try? ThinPoolStatus(parsing: line)) == full)
    }

    static let thinLines = [
        "128 127", "0 -", "18446744073709551615 0", " 8 7 ", "-", "Fail", "Error", "", "1", "1 2 3", "x 1", "1 -1",
        "18446744073709551616 1",
    ]

    @Test(arguments: thinLines) func thinStatusAgrees(line: String) {
        let fast = Array(line.utf8).withUnsafeBufferPointer { ThinStatus.fast($0) }
        let full = try? ThinStatus(fieldByField: line)
        if let fast { #expect(fast == full) }
        if case .active? = full { #expect(fast != nil, "a well-formed line is read in place") }
        #expect((try? ThinStatus(parsing: line)) == full)
    }
}
