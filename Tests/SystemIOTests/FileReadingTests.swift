import Foundation
import SystemPackage
import Testing

@testable import SystemIO

/// The one file reader everything uses (Foundation's leaks 4 KiB per empty file; the
/// AddressSanitizer run of this suite reads empty files through it and would report a leak).
@Suite struct ReadFileTests {
    let dir: String = {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("readfile-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }()

    @Test func readsWholeFilesEmptyOrLargerThanOneChunk() throws {
        try Data().write(to: URL(fileURLWithPath: dir + "/empty"))
        #expect(try readFile(dir + "/empty") == [])
        #expect(try readTextFile(dir + "/empty") == "")
        let big = (0..<100_000).map { UInt8($0 % 251) }
        try Data(big).write(to: URL(fileURLWithPath: dir + "/big"))
        #expect(try readFile(dir + "/big") == big)
    }

    @Test func errorsNameThePathAndTheReason() throws {
        do {
            _ = try readFile(dir + "/none")
            Issue.record("a missing file was read")
        } catch {
            #expect(error.errno == .noSuchFileOrDirectory && error.isMissing)
            #expect(error.description == "\(dir)/none: No such file or directory")
        }
        try Data(repeating: 1, count: 100).write(to: URL(fileURLWithPath: dir + "/hundred"))
        #expect(try readFile(dir + "/hundred", limit: 100).count == 100)
        do {
            _ = try readFile(dir + "/hundred", limit: 99)
            Issue.record("a file over the limit was read")
        } catch {
            #expect(error.description == "\(dir)/hundred: larger than 99 bytes")
        }
        // A directory: read fails with EISDIR, named.
        do {
            _ = try readFile(dir)
            Issue.record("a directory was read")
        } catch { #expect(error.errno == .isDirectory) }
    }

    @Test func textMustBeUTF8UnlessLenient() throws {
        try Data([0x6b, 0x65, 0x79, 0xff, 0x00, 0x0a]).write(to: URL(fileURLWithPath: dir + "/binary"))
        do {
            _ = try readTextFile(dir + "/binary")
            Issue.record("invalid UTF-8 read as text")
        } catch {
            #expect(error.description == "\(dir)/binary: not valid UTF-8 text")
        }
        #expect(try readTextFile(dir + "/binary", lenient: true) == "key\u{FFFD}\u{0}\n")
        #expect(try readFile(dir + "/binary") == [0x6b, 0x65, 0x79, 0xff, 0x00, 0x0a])
    }

    @Test func symlinksRefusedWhenAsked() throws {
        try "x".write(toFile: dir + "/target", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: dir + "/link", withDestinationPath: dir + "/target")
        #expect(try readTextFile(dir + "/link") == "x")
        do {
            _ = try readFile(dir + "/link", followSymlinks: false)
            Issue.record("followed a symlink")
        } catch {
            #expect(error.errno == .tooManySymbolicLinkLevels)
        }
    }
}
