import Foundation
import TestSupport
import Testing

/// The agent's alerting, the real binary end to end: config check, webhooks from a fixture
/// source, SIGKILL with a notification pending, SIGHUP.
@Suite(.serialized) struct AlertingCommandTests {
    func tempDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("agent-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func config(_ dir: String, receiverURL: String, extra: String = "") throws -> String {
        let path = dir + "/agent.yml"
        try """
        poll_interval: 200ms
        state_dir: state
        host: test-host
        receivers:
          - name: hook
            type: webhook
            url: \(receiverURL)
            timeout: 1s
            retry: { initial: 100ms, max: 200ms }
        \(extra)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func configCheck() throws {
        let ok = try run(["config", "check", Repo.root.appendingPathComponent("deploy/thinpool-exporter.yml").path])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.hasSuffix("ok (2 receivers, 1 override, poll every 10.0 seconds)\n"), "\(ok.stdout)")
        let dir = try tempDir()
        try "poll_interval: fast\nreceivers:\n  - name: x\n    type: webhook\n    url: https://user:tok3n@host/\n    retry: { max: 1ms }\n"
            .write(toFile: dir + "/bad.yml", atomically: true, encoding: .utf8)
        let bad = try run(["config", "check", dir + "/bad.yml"])
        #expect(bad.status == 78)
        #expect(bad.stderr.contains("2 problems in \(dir)/bad.yml"), "\(bad.stderr)")
        #expect(bad.stderr.contains("bad.yml:1: poll_interval: \"fast\" is not a duration"))
        #expect(bad.stderr.contains("receivers[0].retry.max: must be at least 10ms"))
        #expect(!bad.stderr.contains("tok3n"), "a secret in a URL reached the output")
    }

    @Test func aFixturePoolOutOfSpaceIsAnnouncedByWebhook() throws {
        let rx = try Receiver()
        let dir = try tempDir()
        let port = try freePort()
        let d = try Daemon(
            Repo.binary,
            [
                "--dm.fixtures", Repo.fixture("demo"), "--config.file", try config(dir, receiverURL: rx.url),
                "--web.listen-address", "127.0.0.1:\(port)",
            ])
        defer { _ = d.stop() }
        let got = waitFor(15) { () -> [String]? in
            let names = rx.acceptedBodies.flatMap { body in
                ((body as? [String: Any])?["alerts"] as? [[String: Any]] ?? []).map { a -> String in
                    let l = a["labels"] as? [String: String] ?? [:]
                    return "\(l["pool"] ?? "")/\(l["alertname"] ?? "")/\(l["severity"] ?? "")"
                }
            }
            return names.contains("full/ThinPoolOutOfDataSpace/critical") && names.contains("broken/ThinPoolFailed/critical") ? names : nil
        }
        #expect(got != nil, "\(rx.requests.count) requests; agent log:\n\(d.log.suffix(3000))")
        let metrics = httpGet("http://127.0.0.1:\(port)/metrics") ?? ""
        #expect(metrics.contains("thinpool_alerts_firing{pool=\"full\",alertname=\"ThinPoolOutOfDataSpace\",severity=\"critical\"} 1\n"))
        #expect(metrics.contains("thinpool_notifications_total{receiver=\"hook\",result=\"delivered\"}"))
        #expect(metrics.contains("thinpool_event_source{source=\"poll\"} 1\n"), "fixtures have no dm events")
        let r = try runProgram(try tool("promtool"), ["check", "metrics"], input: metrics)
        #expect(r.status == 0 && r.output.isEmpty, "promtool: \(r.output)")
    }

    @Test func sigkillWithANotificationPendingThenRestartDeliversItOnce() throws {
        let dir = try tempDir()
        let rxPort = try freePort()
        let cfg = try config(dir, receiverURL: "http://127.0.0.1:\(rxPort)/hook")
        let port = try freePort()
        let args = ["--dm.fixtures", Repo.fixture("demo"), "--config.file", cfg, "--web.listen-address", "127.0.0.1:\(port)"]
        // No receiver yet: notifications pile up in the state file.
        let first = try Daemon(Repo.binary, args)
        let state = dir + "/state/state.json"
        let pending = waitFor(10) { () -> Int? in
            guard let data = FileManager.default.contents(atPath: state),
                let s = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let outbox = s["outbox"] as? [[String: Any]], outbox.count >= 2,
                (outbox[0]["attempts"] as? Int ?? 0) >= 1
            else { return nil }  // in order: the head is tried first
            return outbox.count
        }
        let queued = try #require(pending, "\(first.log.suffix(2000))")
        #expect(first.kill9(), "the agent ended by SIGKILL, its notifications undelivered")
        let rx = try Receiver(port: rxPort)
        let second = try Daemon(Repo.binary, args)
        defer { _ = second.stop() }
        let delivered = waitFor(15) { rx.acceptedBodies.count >= queued ? rx.acceptedBodies.count : nil }
        #expect(delivered != nil, "\(rx.acceptedBodies.count) of \(queued) delivered after the restart: \(second.log.suffix(2000))")
        // Ten polls of the restarted agent (200 ms apart): none may announce a saved alert again.
        func polls() -> Int? {
            httpGet("http://127.0.0.1:\(port)/metrics")?.split(separator: "\n")
                .first { $0.hasPrefix("thinpool_watch_reads_total{kind=\"poll\"} ") }.flatMap { Int($0.split(separator: " ")[1]) }
        }
        let start = try #require(waitFor(10) { polls() })
        #expect(waitFor(15) { (polls() ?? 0) >= start + 10 ? true : nil } != nil, "the restarted agent stopped polling")
        let firing = rx.acceptedBodies.flatMap { body in
            ((body as? [String: Any])?["alerts"] as? [[String: Any]] ?? []).filter { $0["status"] as? String == "firing" }
                .map { ($0["labels"] as? [String: String] ?? [:]).description }
        }
        #expect(firing.count >= queued, "every pending notification delivered: \(firing)")
        #expect(firing.count == Set(firing).count, "an alert was announced twice: \(firing)")
        #expect(second.log.contains("state restored"))
    }

    @Test func sighupReloadsAndABadFileKeepsTheRunningConfig() throws {
        let rx = try Receiver()
        let dir = try tempDir()
        let cfg = try config(dir, receiverURL: rx.url)
        let port = try freePort()
        let d = try Daemon(
            Repo.binary, ["--dm.fixtures", Repo.fixture("demo"), "--config.file", cfg, "--web.listen-address", "127.0.0.1:\(port)"])
        defer { _ = d.stop() }
        #expect(waitFor(30) { httpGet("http://127.0.0.1:\(port)/healthz", timeout: 5) } != nil)
        // Exclude the pool that is out of space: its alerts resolve.
        _ = try config(dir, receiverURL: rx.url, extra: "pools: { exclude: [full] }")
        kill(d.pid, SIGHUP)
        let resolved = waitFor(10) { () -> Bool? in
            (httpGet("http://127.0.0.1:\(port)/metrics") ?? "").contains("pool=\"full\",alertname=\"ThinPoolOutOfDataSpace\"") ? nil : true
        }
        #expect(resolved == true, "\(d.log.suffix(2000))")
        #expect(d.log.contains("configuration reloaded"))
        // A broken file: kept running as before, every problem logged.
        try "poll_interval: never\nalerts: { data_used: { warning: 2 } }\n".write(toFile: cfg, atomically: true, encoding: .utf8)
        kill(d.pid, SIGHUP)
        #expect(waitFor(5) { d.log.contains("configuration not reloaded") ? true : nil } == true)
        #expect(d.log.contains("poll_interval") && d.log.contains("data_used.warning"))
        #expect(httpGet("http://127.0.0.1:\(port)/healthz") == "ok\n")
    }
}
