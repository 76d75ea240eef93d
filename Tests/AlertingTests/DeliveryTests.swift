import Foundation
import Logging
import TestSupport
import Testing
import ThinPoolCore

@testable import Alerting

/// Real receivers on loopback, real libcurl, real files in a state directory.
@Suite(.serialized) struct DeliveryTests {
    static var logger: Logger {
        var l = Logger(label: "test")
        l.logLevel = .critical
        return l
    }

    static func tempDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("alerting-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func receiver(_ name: String, url: String, kind: ReceiverConfig.Kind = .webhook) -> ReceiverConfig {
        var r = ReceiverConfig(name: name, kind: kind, url: .value(url))
        r.retryInitial = .milliseconds(200)
        r.retryMax = .milliseconds(400)
        r.timeout = .milliseconds(800)
        r.resendInterval = .seconds(1)
        return r
    }

    static func service(_ receivers: [ReceiverConfig], state: String?) -> AlertingService {
        var c = AgentConfig()
        c.host = "node-7"
        c.receivers = receivers
        return AlertingService(
            config: c, store: state.map { StateStore(directory: $0) }, poster: CurlPoster(),
            context: Payloads.Context(host: "node-7", externalURL: "http://node-7:10234/"), logger: logger)
    }

    static func alertsIn(_ body: Any) -> [(status: String, name: String, severity: String)] {
        ((body as? [String: Any])?["alerts"] as? [[String: Any]] ?? []).map {
            let l = $0["labels"] as? [String: String] ?? [:]
            return ($0["status"] as? String ?? "", l["alertname"] ?? "", l["severity"] ?? "")
        }
    }

    @Test func aSignedWebhookArrivesAndItsResolution() throws {
        let dir = try Self.tempDir()
        try "hunter2".write(toFile: dir + "/secret", atomically: true, encoding: .utf8)
        let rx = try Receiver(secretFile: dir + "/secret")
        var r = Self.receiver("oncall", url: rx.url)
        r.hmacSecretFile = dir + "/secret"
        let s = Self.service([r], state: dir + "/state")
        s.start()
        defer { s.stop() }
        s.observe(pool: sampleReading(used: 950))
        #expect(s.waitUntilDelivered(timeout: 10))
        s.observe(pool: sampleReading(used: 100))
        #expect(s.waitUntilDelivered(timeout: 10))
        let reqs = rx.requests
        #expect(reqs.allSatisfy { ($0["sig_ok"] as? Bool) == true }, "signature checked by Python's hmac")
        let kinds = rx.acceptedBodies.flatMap { Self.alertsIn($0) }
        #expect(kinds.filter { $0.name == "ThinPoolDataUsage" }.map(\.status) == ["firing", "resolved"])
        #expect(kinds.filter { $0.name == "ThinPoolDataUsage" }.map(\.severity) == ["critical", "critical"])
        #expect(s.deliveryResults["oncall"]?["delivered"] == UInt64(reqs.count))
    }

    @Test func aReceiverAnswering500ForAWhileGetsEachNotificationOnce() throws {
        let rx = try Receiver(fail: 3)
        let s = Self.service([Self.receiver("flaky", url: rx.url)], state: try Self.tempDir())
        s.start()
        defer { s.stop() }
        s.observe(pool: sampleReading(used: 1000, mode: "out_of_data_space"))
        #expect(s.waitUntilDelivered(timeout: 15))
        let reqs = rx.requests
        let ids = reqs.compactMap { ($0["headers"] as? [String: String])?["X-Thinpool-Notification-Id"] }
        let accepted = reqs.filter { ($0["status"] as? Int) == 200 }.compactMap {
            ($0["headers"] as? [String: String])?["X-Thinpool-Notification-Id"]
        }
        #expect(reqs.prefix(3).allSatisfy { ($0["status"] as? Int) == 500 })
        #expect(Set(ids).count == accepted.count, "every notification accepted once")
        #expect(accepted.count == Set(accepted).count, "no duplicates")
        #expect(s.deliveryResults["flaky"]?["retried"] == 3)
        #expect(s.pending.isEmpty)
    }

    @Test func aReceiverThatNeverAnswersTimesOutWithoutHoldingUpTheOthers() throws {
        let hung = try Receiver(hang: 1000)
        let fine = try Receiver()
        let s = Self.service([Self.receiver("hung", url: hung.url), Self.receiver("fine", url: fine.url)], state: nil)
        s.start()
        let t0 = Date()
        s.observe(pool: sampleReading(used: 950))
        #expect(Date().timeIntervalSince(t0) < 0.5, "observing never waits for a receiver")
        #expect(waitFor(5) { fine.acceptedBodies.isEmpty ? nil : true } == true)
        #expect(waitFor(5) { (s.deliveryResults["hung"]?["retried"] ?? 0) >= 2 ? true : nil } == true, "timed out and retried")
        #expect(s.pending.contains { $0.receiver == "hung" && $0.lastError?.contains("imed out") == true })
        let stopStart = Date()
        s.stop()
        #expect(Date().timeIntervalSince(stopStart) < 3, "stop waits at most for one attempt's timeout")
    }

    @Test func aRejectingReceiverDropsTheNotificationAndSaysWhy() throws {
        let rx = try Receiver(fail: 100, failStatus: 400)
        let s = Self.service([Self.receiver("strict", url: rx.url)], state: nil)
        s.start()
        defer { s.stop() }
        s.observe(pool: sampleReading(used: 950))
        #expect(s.waitUntilDelivered(timeout: 10))
        #expect(s.deliveryResults["strict"]?["rejected"] ?? 0 >= 1)
        #expect(s.deliveryResults["strict"]?["delivered"] == nil)
        #expect(rx.requests.count == Int(s.deliveryResults["strict"]?["rejected"] ?? 0), "4xx is not retried")
    }

    @Test func pendingNotificationsSurviveARestartAndFiringIsNotAnnouncedAgain() throws {
        let dir = try Self.tempDir()
        let port = try freePort()
        let url = "http://127.0.0.1:\(port)/hook"
        // The receiver is down: the notification stays pending, saved in the state file.
        let first = Self.service([Self.receiver("later", url: url)], state: dir)
        first.start()
        first.observe(pool: sampleReading(used: 950))
        #expect(waitFor(5) { (first.deliveryResults["later"]?["retried"] ?? 0) >= 1 ? true : nil } == true)
        let firing = first.firing.count
        first.stop()
        // A new process (same state directory), the receiver now up.
        let rx = try Receiver(port: port)
        let second = Self.service([Self.receiver("later", url: url)], state: dir)
        second.start()
        defer { second.stop() }
        #expect(second.firing.count == firing)
        #expect(second.waitUntilDelivered(timeout: 10))
        second.observe(pool: sampleReading(used: 950))  // still firing: nothing new
        #expect(second.waitUntilDelivered(timeout: 2))
        let firingAlerts = rx.acceptedBodies.flatMap { Self.alertsIn($0) }.filter { $0.status == "firing" }
        #expect(firingAlerts.count == firing, "each firing alert announced exactly once")
    }

    @Test func anUnwritableStateDirectoryDegradesToMemory() throws {
        let file = try Self.tempDir() + "/file"
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        let rx = try Receiver()
        let s = Self.service([Self.receiver("r", url: rx.url)], state: file + "/state")
        s.start()
        defer { s.stop() }
        s.observe(pool: sampleReading(used: 950))
        #expect(s.waitUntilDelivered(timeout: 10), "notifications still go out")
        #expect(s.stats.stateWritable == false)
    }
}
