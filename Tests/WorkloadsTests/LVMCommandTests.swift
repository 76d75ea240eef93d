import Foundation
import TestSupport
import Testing

@testable import Workloads

/// The runner under every lvm call, with scripts standing in for lvm: the output of a chatty
/// program whole (both pipes drained while it runs), a hung one ended at the timeout, a failing
/// one's status and stderr.
@Suite struct LVMCommandTests {
    func script(_ body: String) throws -> String {
        let dir = try makeTempDir(["lvm": "#!/bin/sh\n" + body + "\n"])
        chmod(dir + "/lvm", 0o755)
        return dir + "/lvm"
    }

    @Test func aChattyProgramsOutputIsReadWhole() throws {
        // 1 MiB on each pipe: far past a pipe's 64 KiB, so a runner that read only at exit would hang.
        let lvm = try script("head -c 1048576 /dev/zero | tr '\\0' o; head -c 1048576 /dev/zero | tr '\\0' e >&2")
        let out = try LVMCommand(path: lvm, timeout: 30).run(["vgs"])
        #expect(out.utf8.count == 1 << 20)
        #expect(out.allSatisfy { $0 == "o" })
    }

    @Test func aHungProgramIsEndedAtTheTimeout() throws {
        let lvm = try script("exec sleep 30")
        let start = Date()
        #expect(throws: LVMCommand.Failure.self) { try LVMCommand(path: lvm, timeout: 0.5).run(["lvextend"]) }
        #expect(Date().timeIntervalSince(start) < 10)
        do throws(LVMCommand.Failure) {
            _ = try LVMCommand(path: lvm, timeout: 0.3).run(["lvextend", "-L+1G"])
        } catch {
            #expect(error.description == "lvm lvextend did not finish within 0.3 s")
        }
    }

    @Test func aFailureCarriesStatusAndStderr() throws {
        let lvm = try script("echo '  Volume group \"vg\" not found' >&2; exit 5")
        do throws(LVMCommand.Failure) {
            _ = try LVMCommand(path: lvm, timeout: 30).run(["vgs", "vg"])
            Issue.record("no error")
        } catch {
            guard case .exited(let args, 5, let stderr) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(args == ["vgs", "vg"])
            #expect(stderr == "Volume group \"vg\" not found")
        }
    }
}
