import Foundation
import TestSupport
import Testing
import ThinPoolCore

@testable import Alerting

/// Command receivers run a real program (a shell script here): its environment, its output,
/// its failure and its timeout.
@Suite(.serialized) struct CommandReceiverTests {
    /// A script that writes its environment (and arguments) to `out` and exits with `status`
    /// after `sleep` seconds.
    static func script(_ dir: String, status: Int = 0, sleep: Int = 0) throws -> (program: String, out: String) {
        let program = dir + "/on-alert"
        let out = dir + "/env"
        try writeClosingOnExec(
            program,
            """
            #!/bin/sh
            sleep \(sleep)
            { echo "ARGS=$*"; env; } > \(out).tmp && mv \(out).tmp \(out).$THINPOOL_ALERT
            echo "ran for $THINPOOL_POOL"
            echo "something went wrong" >&2
            exit \(status)
            """)
        chmod(program, 0o755)
        return (program, out)
    }

    static func receiver(_ argv: [String], timeout: Duration = .seconds(5)) -> ReceiverConfig {
        var r = ReceiverConfig(name: "hook", kind: .command, url: .value(""))
        r.command = argv
        r.timeout = timeout
        return r
    }

    static func env(_ path: String) -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            out[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return out
    }

    @Test func theProgramGetsThePoolTheAlertAndTheUsage() throws {
        let dir = try DeliveryTests.tempDir()
        let (program, out) = try Self.script(dir)
        let s = DeliveryTests.service([Self.receiver([program, "--page", "a b"])], state: dir + "/state")
        s.start()
        defer { s.stop() }
        s.observe(pool: sampleReading(used: 950))
        #expect(s.waitUntilDelivered(timeout: 10))
        // 950 of 1000 blocks: ThinPoolDataUsage and ThinPoolNearMinFreeSpace, a run each.
        let e = Self.env(out + ".ThinPoolDataUsage")
        #expect(Self.env(out + ".ThinPoolNearMinFreeSpace")["THINPOOL_SEVERITY"] == "critical")
        #expect(e["ARGS"] == "--page a b", "arguments passed as given, no shell splitting")
        #expect(e["THINPOOL_POOL"] == sampleReading(used: 950).name)
        #expect(e["THINPOOL_ALERT"] == "ThinPoolDataUsage")
        #expect(e["THINPOOL_SEVERITY"] == "critical")
        #expect(e["THINPOOL_STATUS"] == "firing")
        #expect(e["THINPOOL_HOST"] == "node-7")
        #expect(e["THINPOOL_DATA_PERCENT"] == "95.00")
        #expect(e["THINPOOL_DATA_USED_BYTES"].flatMap { UInt64($0) } ?? 0 > 0)
        #expect(e["THINPOOL_SUMMARY"]?.contains("data 95.0% used") == true, "\(e["THINPOOL_SUMMARY"] ?? "")")
        #expect(e["THINPOOL_NOTIFICATION_JSON"]?.contains("\"alertname\":\"ThinPoolDataUsage\"") == true)
        #expect(e["PATH"] == "/usr/sbin:/usr/bin:/sbin:/bin")
        #expect(s.deliveryResults["hook"]?["delivered"] == 2)
    }

    @Test func aFailingProgramIsCountedAndNotRunAgain() throws {
        let dir = try DeliveryTests.tempDir()
        let (program, out) = try Self.script(dir, status: 3)
        let s = DeliveryTests.service([Self.receiver([program])], state: dir + "/state")
        s.start()
        defer { s.stop() }
        s.observe(pool: sampleReading(used: 950))
        #expect(s.waitUntilDelivered(timeout: 10))
        #expect(FileManager.default.fileExists(atPath: out + ".ThinPoolDataUsage"), "it ran")
        #expect(s.deliveryResults["hook"]?["failed"] == 2, "two notifications, each run once")
        #expect(s.deliveryResults["hook"]?["retried"] == nil)
        #expect(s.pending.isEmpty)
    }

    @Test func aProgramPastItsTimeoutIsEnded() throws {
        let dir = try DeliveryTests.tempDir()
        let (program, out) = try Self.script(dir, sleep: 30)
        let s = DeliveryTests.service([Self.receiver([program], timeout: .milliseconds(500))], state: dir + "/state")
        s.start()
        defer { s.stop() }
        let started = Date()
        s.observe(pool: sampleReading(used: 950))
        #expect(s.waitUntilDelivered(timeout: 15))
        #expect(Date().timeIntervalSince(started) < 10, "ended at the timeout, not after its 30 s")
        #expect(!FileManager.default.fileExists(atPath: out + ".ThinPoolDataUsage"))
        #expect(s.deliveryResults["hook"]?["failed"] == 2)
    }

    @Test func theOutcomeSaysHowTheProgramEnded() throws {
        let dir = try DeliveryTests.tempDir()
        let (program, _) = try Self.script(dir, status: 3)
        let n = AlertNotification(sequence: 1, receiver: "hook", alerts: [], createdAt: Date())
        let outcome = CommandReceiver.run(
            n, receiver: Self.receiver([program]), usage: nil,
            context: Payloads.Context(host: "h", externalURL: "http://h/"), logger: DeliveryTests.logger)
        guard case .program(false, let report, _) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(report == "\(program) exited with status 3: something went wrong")
        let missing = CommandReceiver.run(
            n, receiver: Self.receiver([dir + "/nope"]), usage: nil,
            context: Payloads.Context(host: "h", externalURL: "http://h/"), logger: DeliveryTests.logger)
        guard case .program(false, let why, _) = missing else {
            Issue.record("\(missing)")
            return
        }
        #expect(why.hasPrefix("cannot run \(dir)/nope"))
    }
}
