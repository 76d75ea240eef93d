import Foundation
import TestSupport
import Testing
import ThinPoolCore

@testable import Alerting

/// A real Alertmanager (Debian's prometheus-alertmanager) receiving our API v2 alerts and routing
/// them to a webhook receiver.
@Suite(.serialized) struct AlertmanagerTests {
    @Test func alertsRouteThroughARealAlertmanager() throws {
        let rx = try Receiver()
        let dir = try DeliveryTests.tempDir()
        let amPort = try freePort()
        try """
        route:
          receiver: hook
          group_by: [alertname, pool]
          group_wait: 0s
          group_interval: 1s
          repeat_interval: 1h
        receivers:
          - name: hook
            webhook_configs:
              - url: \(rx.url)
                send_resolved: true
        """.write(toFile: dir + "/am.yml", atomically: true, encoding: .utf8)
        let am = try Daemon(
            try tool("prometheus-alertmanager"),
            [
                "--config.file=\(dir)/am.yml", "--storage.path=\(dir)/data", "--web.listen-address=127.0.0.1:\(amPort)",
                "--cluster.listen-address=",
            ])
        defer { _ = am.stop() }
        #expect(waitFor(20) { httpGet("http://127.0.0.1:\(amPort)/-/ready", timeout: 1) } != nil, "Alertmanager did not start: \(am.log)")

        let s = DeliveryTests.service([DeliveryTests.receiver("am", url: "http://127.0.0.1:\(amPort)", kind: .alertmanager)], state: nil)
        s.start()
        defer { s.stop() }
        s.observe(pool: sampleReading(used: 1000, mode: "out_of_data_space"))
        #expect(s.waitUntilDelivered(timeout: 10))
        // Alertmanager holds the alerts with our labels...
        let held = try #require(waitFor(10) { httpGet("http://127.0.0.1:\(amPort)/api/v2/alerts") })
        let alerts = try JSONSerialization.jsonObject(with: Data(held.utf8)) as! [[String: Any]]
        let names = Set(alerts.map { ($0["labels"] as! [String: String])["alertname"]! })
        #expect(names.contains("ThinPoolOutOfDataSpace"))
        #expect(alerts.allSatisfy { ($0["labels"] as! [String: String])["host"] == "node-7" })
        // ...and routes them to the webhook, in its own format.
        let routed = waitFor(15) { () -> [[String: Any]]? in
            let bodies = rx.acceptedBodies.compactMap { $0 as? [String: Any] }
            return bodies.contains { DeliveryTests.alertsIn($0).contains { $0.name == "ThinPoolOutOfDataSpace" && $0.status == "firing" } }
                ? bodies : nil
        }
        #expect(routed != nil, "the webhook behind Alertmanager got nothing: \(am.log.suffix(1500))")
        #expect((routed?.first?["receiver"] as? String) == "hook")

        // Resolved: we send endsAt, Alertmanager sends the resolution on.
        s.observe(pool: sampleReading(used: 100))
        #expect(s.waitUntilDelivered(timeout: 10))
        let resolved = waitFor(15) { () -> Bool? in
            rx.acceptedBodies.contains {
                DeliveryTests.alertsIn($0).contains { $0.name == "ThinPoolOutOfDataSpace" && $0.status == "resolved" }
            } ? true : nil
        }
        #expect(resolved == true)
    }
}
