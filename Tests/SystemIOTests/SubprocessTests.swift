import Foundation
import SystemIO
import Testing

/// runSubprocess: output, exit status, signals, and the timeout's SIGTERM then SIGKILL.
@Suite struct SubprocessTests {
    @Test func outputAndStatus() throws {
        let r = try runSubprocess("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"], environment: [:], timeout: 30)
        #expect(r.termination == .exited(3))
        #expect(r.stdout == Array("out\n".utf8))
        #expect(r.stderr == Array("err\n".utf8))
        #expect(!r.timedOut)
    }

    @Test func environmentIsExactlyTheOneGiven() throws {
        let r = try runSubprocess("/usr/bin/env", [], environment: ["A": "1", "B": "two"], timeout: 30)
        #expect(String(decoding: r.stdout, as: UTF8.self) == "A=1\nB=two\n")
    }

    /// A child that ignores SIGTERM is killed `killAfter` later; one that does not, at once.
    @Test func timeoutEndsTheChildEvenIfItIgnoresSIGTERM() throws {
        let start = Date()
        let r = try runSubprocess(
            "/bin/sh", ["-c", "trap '' TERM; sleep 30 & wait; sleep 30"], environment: [:], timeout: 0.2,
            killAfter: 0.5)
        #expect(r.timedOut)
        #expect(r.termination == .signaled(SIGKILL))
        #expect(Date().timeIntervalSince(start) < 10)
        let polite = try runSubprocess("/bin/sleep", ["30"], environment: [:], timeout: 0.2)
        #expect(polite.timedOut)
        #expect(polite.termination == .signaled(SIGTERM))
    }

    @Test func aMissingProgramIsATypedError() {
        #expect(throws: FileError(.spawn, "/nonexistent/prog", .errno(.noSuchFileOrDirectory))) {
            try runSubprocess("/nonexistent/prog", [], environment: [:], timeout: 1)
        }
    }
}
