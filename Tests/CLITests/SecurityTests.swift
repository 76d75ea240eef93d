import Foundation
import TestSupport
import Testing

/// Secrets never reach logs, metrics, pages or the saved state: a canary planted in every place
/// a secret can be configured, the agent run at debug level through deliveries that succeed,
/// fail and retry, then everything it wrote or served searched for the canary.
@Suite struct SecurityTests {
    @Test func aCanarySecretIsNeverLoggedServedOrSaved() throws {
        let canary = "CANARY\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))"
        let dir = try makeTempDir(prefix: "canary")
        // A receiver that fails twice (500: retried, logged) then accepts.
        let receiver = try Receiver(fail: 2)
        defer { _ = receiver.daemon.stop() }
        try "\(canary)\n".write(toFile: dir + "/hmac", atomically: true, encoding: .utf8)
        try "https://127.0.0.1:1/services/\(canary)\n".write(toFile: dir + "/slack-url", atomically: true, encoding: .utf8)
        try "\(canary)\n".write(toFile: dir + "/pd-key", atomically: true, encoding: .utf8)
        try """
        poll_interval: 500ms
        state_dir: \(dir)/state
        receivers:
          - { name: hook, type: webhook, url: "\(receiver.url)?token=\(canary)", hmac_secret_file: \(dir)/hmac,
              retry: { initial: 100ms, max: 200ms } }
          - { name: refused, type: webhook, url: "http://user:\(canary)@127.0.0.1:1/x", retry: { initial: 100ms, max: 200ms } }
          - { name: chat, type: slack, url_file: \(dir)/slack-url, retry: { initial: 100ms, max: 200ms } }
          - { name: pager, type: pagerduty, url: "http://127.0.0.1:1/v2/enqueue", routing_key_file: \(dir)/pd-key,
              retry: { initial: 100ms, max: 200ms } }
        """.write(toFile: dir + "/agent.yml", atomically: true, encoding: .utf8)
        // Basic auth whose password is the canary (bcrypt, cost 4).
        let hash = try runProgram(
            "/usr/bin/python3",
            [
                "-W", "ignore", "-c",
                "import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))", canary,
            ]
        )
        .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try "basic_auth_users:\n  admin: \(hash)\n".write(toFile: dir + "/web.yml", atomically: true, encoding: .utf8)

        let port = try freePort()
        let d = try Daemon(
            Repo.binary,
            [
                "--dm.fixtures", Repo.fixture("demo"), "--config.file", dir + "/agent.yml",
                "--web.config.file", dir + "/web.yml", "--web.listen-address", "127.0.0.1:\(port)",
                "--log.level", "debug",
            ])
        let good = "Authorization: Basic " + Data("admin:\(canary)".utf8).base64EncodedString()
        let bad = "Authorization: Basic " + Data("admin:\(canary)x".utf8).base64EncodedString()
        #expect(waitFor(10) { httpGet("http://127.0.0.1:\(port)/healthz", headers: [good]) } == "ok\n", "\(d.log)")
        // Alerts fire for the demo's full and failed pools: the webhook delivers after its 500s,
        // the others fail and retry.
        #expect(waitFor(20) { receiver.acceptedBodies.count >= 1 ? true : nil } != nil, "\(d.log.suffix(2000))")
        #expect(waitFor(20) { d.log.contains("receiver=refused") ? true : nil } != nil, "no delivery failure logged")
        var served = ""
        for path in ["/metrics", "/", "/api/v1/pools", "/healthz"] {
            let page = try #require(httpGet("http://127.0.0.1:\(port)\(path)", headers: [good]), "\(path)")
            served += page
        }
        #expect(httpGet("http://127.0.0.1:\(port)/metrics", headers: [bad]) == nil, "a wrong password is refused")
        #expect(served.contains("thinpool_notifications_total{receiver=\"hook\",result=\"delivered\"}"))
        // A reload with a broken file: its problems are logged.
        try "receivers: [ { name: x, type: webhook, url: \"ftp://\(canary)\" } ]\n".write(
            toFile: dir + "/agent.yml", atomically: true, encoding: .utf8)
        kill(d.pid, SIGHUP)
        #expect(waitFor(10) { d.log.contains("must be http or https") ? true : nil } != nil, "\(d.log.suffix(1500))")
        #expect(d.stop() == 0, "\(sanitizerReport(d.log))")

        let check = try run(["config", "check", dir + "/agent.yml"])
        #expect(check.status == 78)
        let state = (try? String(contentsOfFile: dir + "/state/state.json", encoding: .utf8)) ?? ""
        #expect(!state.isEmpty, "the agent saved its state")
        for (what, text) in [
            ("the log", d.log), ("/metrics, /, /api/v1/pools", served), ("config check", check.output),
            ("state.json", state),
        ] {
            #expect(!text.contains(canary), "the canary secret appears in \(what)")
        }
        // The receiver saw the secrets it should: the token in its URL, the signature made with it.
        #expect(receiver.requests.contains { ($0["path"] as? String)?.contains(canary) == true })
    }
}
