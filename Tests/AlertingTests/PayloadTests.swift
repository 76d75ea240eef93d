import Foundation
import SystemIO
import TestSupport
import Testing
import ThinPoolCore

@testable import Alerting

let golden = Golden(URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("golden"))

@Suite struct PayloadTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    static let context = Payloads.Context(host: "node-7", externalURL: "http://node-7:10234/")

    static func alert(_ severity: Severity) -> ActiveAlert {
        ActiveAlert(
            key: AlertKey(pool: "docker-thinpool", name: .dataUsage), severity: severity, startsAt: start,
            lastNotifiedAt: start.addingTimeInterval(60),
            summary: "pool docker-thinpool data 91.2% used, 19.3 GB available, docker's minimum free space 21.5 GB",
            description: "Data space: 199.2 GB of 218.5 GB used.", value: 0.912)
    }

    static let notifications: [(String, AlertNotification)] = [
        (
            "firing",
            AlertNotification(
                id: "n-1", sequence: 1, receiver: "r", alerts: AlertEvent(kind: .firing, alert: alert(.warning)).notified, createdAt: start)
        ),
        (
            "escalated",
            AlertNotification(
                id: "n-2", sequence: 2, receiver: "r",
                alerts: AlertEvent(kind: .severityChanged, alert: alert(.critical), previousSeverity: .warning).notified, createdAt: start)
        ),
        (
            "resolved",
            AlertNotification(
                id: "n-3", sequence: 3, receiver: "r",
                alerts: AlertEvent(kind: .resolved, alert: alert(.critical), endsAt: start.addingTimeInterval(600)).notified,
                createdAt: start)
        ),
    ]

    func render(_ kind: ReceiverConfig.Kind, _ n: AlertNotification, secretFile: String? = nil) throws -> OutgoingRequest {
        var r = ReceiverConfig(name: "oncall", kind: kind, url: .value("https://receiver.example/hook"))
        r.routingKey = .value("ROUTINGKEY")
        r.hmacSecretFile = secretFile
        return try Payloads.render(n, receiver: r, context: Self.context)
    }

    @Test(arguments: [ReceiverConfig.Kind.webhook, .alertmanager, .slack, .pagerduty])
    func bodiesAreGolden(kind: ReceiverConfig.Kind) throws {
        var all = ""
        for (name, n) in Self.notifications {
            let req = try render(kind, n)
            all += "## \(name) -> \(req.url)\n" + String(decoding: req.body, as: UTF8.self) + "\n"
        }
        try golden.expect(all, "\(kind.rawValue).txt")
    }

    @Test func webhookIsAlertmanagerV4() throws {
        let body = try JSONSerialization.jsonObject(with: Data(try render(.webhook, Self.notifications[1].1).body)) as! [String: Any]
        #expect(body["version"] as? String == "4")
        #expect(body["status"] as? String == "firing")
        let alerts = body["alerts"] as! [[String: Any]]
        #expect(alerts.map { $0["status"] as! String } == ["resolved", "firing"])
        #expect(alerts.map { ($0["labels"] as! [String: String])["severity"]! } == ["warning", "critical"])
        #expect(
            (alerts[1]["labels"] as! [String: String]) == [
                "alertname": "ThinPoolDataUsage", "host": "node-7", "pool": "docker-thinpool", "severity": "critical",
            ])
        #expect(alerts[1]["endsAt"] as? String == "0001-01-01T00:00:00Z")
        #expect(alerts[0]["endsAt"] as? String == "2027-01-15T08:01:00.000Z")
        #expect((body["commonLabels"] as! [String: String])["severity"] == nil, "severities differ")
    }

    @Test func pagerDutyDedupKeyIsStableAcrossSeverity() throws {
        let keys = try Self.notifications.map { (_, n) -> String in
            let body = try JSONSerialization.jsonObject(with: Data(try render(.pagerduty, n).body)) as! [String: Any]
            return body["dedup_key"] as! String
        }
        #expect(Set(keys) == ["thinpool-exporter/node-7/docker-thinpool/ThinPoolDataUsage"])
        let escalated = try JSONSerialization.jsonObject(with: Data(try render(.pagerduty, Self.notifications[1].1).body)) as! [String: Any]
        #expect(escalated["event_action"] as? String == "trigger")
        #expect((escalated["payload"] as! [String: Any])["severity"] as? String == "critical")
        let resolved = try JSONSerialization.jsonObject(with: Data(try render(.pagerduty, Self.notifications[2].1).body)) as! [String: Any]
        #expect(resolved["event_action"] as? String == "resolve")
    }

    @Test func signatureIsHMACOfTheExactBody() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("secret-\(UUID().uuidString)").path
        try "it's a secret\n".write(toFile: file, atomically: true, encoding: .utf8)
        let req = try render(.webhook, Self.notifications[0].1, secretFile: file)
        let sig = req.headers.first { $0.0 == "X-Thinpool-Signature" }?.1
        #expect(sig == "sha256=" + HMACSHA256.hex(key: Array("it's a secret".utf8), message: req.body))
        #expect(req.headers.contains { $0 == ("X-Thinpool-Notification-Id", "n-1") })
        #expect(Payloads.alertmanagerEndpoint("http://am:9093") == "http://am:9093/api/v2/alerts")
        #expect(Payloads.alertmanagerEndpoint("http://am:9093/") == "http://am:9093/api/v2/alerts")
        #expect(Payloads.alertmanagerEndpoint("http://am:9093/api/v2/alerts") == "http://am:9093/api/v2/alerts")
    }

    /// RFC 4231 test cases 1, 2 and 6.
    @Test func hmacSHA256Vectors() {
        #expect(
            HMACSHA256.hex(key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8))
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(
            HMACSHA256.hex(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(
            HMACSHA256.hex(
                key: [UInt8](repeating: 0xaa, count: 131),
                message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }
}

@Suite struct StateStoreTests {
    @Test func savesAtomicallyAndLoads() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID().uuidString)").path + "/nested"
        let store = StateStore(directory: dir)
        #expect(try store.load() == nil)
        var s = PersistedState()
        s.alerts = [PayloadTests.alert(.critical)]
        s.outbox = [PayloadTests.notifications[1].1]
        s.nextSequence = 42
        s.lastResend = ["am": PayloadTests.start]
        try store.save(s)
        #expect(try store.load() == s)
        #expect(!FileManager.default.fileExists(atPath: store.path + ".tmp"))
        let mode = try FileManager.default.attributesOfItem(atPath: store.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func anUnwritableDirectoryIsAClearError() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("notadir-\(UUID().uuidString)").path
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        let store = StateStore(directory: file + "/state")
        #expect(throws: StateStore.Failure.self) { try store.save(PersistedState()) }
        do { try store.save(PersistedState()) } catch {
            #expect(error.description.hasPrefix("cannot create state directory \(file)/state"))
        }
    }
}

@Suite struct RFC3339Tests {
    @Test func formatsAndParses() {
        let d = Date(timeIntervalSince1970: 1_800_000_000.123)
        #expect(RFC3339.format(d) == "2027-01-15T08:00:00.123Z")
        #expect(RFC3339.parse("2027-01-15T08:00:00.123Z")!.timeIntervalSince1970 == 1_800_000_000.123)
        #expect(RFC3339.parse("2027-01-15T08:00:00Z")!.timeIntervalSince1970 == 1_800_000_000)
        #expect(RFC3339.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339.parse("2027-01-15 08:00:00Z") == nil)
        #expect(RFC3339.parse("nonsense") == nil)
        // What the state file holds survives a round trip to the millisecond.
        let now = Date()
        #expect(abs(RFC3339.parse(RFC3339.format(now))!.timeIntervalSince(now)) < 0.001)
    }
}

/// A receiver's secret: as written in the config, or read from its file at delivery.
@Suite struct SecretTests {
    @Test func valueOrFileTrimmed() throws {
        #expect(try ReceiverConfig.Secret.value("abc").resolve() == "abc")
        let dir = try makeTempDir(["key": "R0UTING\n"])
        #expect(try ReceiverConfig.Secret.file(dir + "/key").resolve() == "R0UTING")
        #expect(throws: FileError.self) { try ReceiverConfig.Secret.file(dir + "/missing").resolve() }
    }
}
