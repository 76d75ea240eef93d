import ConfigFiles
import Foundation
import TestSupport
import Testing
import ThinPoolCore

@Suite struct AgentConfigTests {
    func write(_ files: [String: String]) throws -> String { try makeTempDir(files) }

    @Test func defaultsWithAnEmptyFile() throws {
        let dir = try write(["c.yml": ""])
        let c = try AgentConfig.load(path: "\(dir)/c.yml")
        #expect(c.pollInterval == .seconds(10))
        #expect(c.defaults.alerts.dataUsed == RatioRule(warning: 0.8, critical: 0.9, hysteresis: 0.02))
        #expect(c.defaults.alerts.metadataUsed.critical == 0.85)
        #expect(c.defaults.minFreeSpacePercent == nil, "unset: docker's own for its pool, else 10")
        #expect(c.watches("anything"))
        #expect(c.receivers.isEmpty)
    }

    @Test func aFullConfig() throws {
        let dir = try write([
            "c.yml": """
            poll_interval: 2s
            state_dir: state
            host: node-7
            repeat_interval: 1h
            pools: { include: ["docker-*", "vg-*"], exclude: ["*-test-*"] }
            min_free_space: 15%
            alerts:
              data_used: { warning: 75%, critical: 0.95, hysteresis: 1% }
              time_to_full: { warning: 12h, critical: 30m, window: 1h, min_samples: 10 }
              low_water: false
            overrides:
              - match: ["vg-*"]
                min_free_space: 0%
                alerts: { metadata_used: { critical: off } }
            receivers:
              - name: oncall
                type: webhook
                url: https://hooks.example.com/x
                hmac_secret_file: secret
                match: { severity: [critical], pools: ["docker-*"] }
                retry: { initial: 500ms, max: 2m, max_age: 6h }
              - { name: am, type: alertmanager, url: "http://127.0.0.1:9093", send_resolved: true }
              - { name: pd, type: pagerduty, url: "https://events.pagerduty.com/v2/enqueue", routing_key_file: key }
              - { name: chat, type: slack, url_file: slackurl }
            """, "secret": "s3cret\n", "key": "R0UTING\n", "slackurl": "https://hooks.slack.com/services/T/B/x\n",
        ])
        let c = try AgentConfig.load(path: "\(dir)/c.yml")
        #expect(c.pollInterval == .seconds(2))
        #expect(c.stateDirectory == "\(dir)/state")
        #expect(c.host == "node-7")
        #expect(c.watches("docker-8:1-2-pool") && !c.watches("docker-x-test-1") && !c.watches("other"))
        #expect(c.policy(for: "docker-x").minFreeSpacePercent == 15)
        #expect(c.policy(for: "docker-x").alerts.dataUsed == RatioRule(warning: 0.75, critical: 0.95, hysteresis: 0.01))
        #expect(c.policy(for: "docker-x").alerts.lowWater == false)
        #expect(c.policy(for: "docker-x").alerts.timeToFull.critical == .seconds(1800))
        // The override starts from the defaults and changes what it names.
        #expect(c.policy(for: "vg-pool").minFreeSpacePercent == 0)
        #expect(c.policy(for: "vg-pool").alerts.metadataUsed.critical == nil)
        #expect(c.policy(for: "vg-pool").alerts.dataUsed.warning == 0.75)
        #expect(c.receivers.map(\.name) == ["oncall", "am", "pd", "chat"])
        #expect(c.receivers[0].routes(severity: "critical", pool: "docker-a"))
        #expect(!c.receivers[0].routes(severity: "warning", pool: "docker-a"))
        #expect(!c.receivers[0].routes(severity: "critical", pool: "vg-a"))
        #expect(c.receivers[0].retryInitial == .milliseconds(500))
        // Files named relative to the config; read at delivery (Alerting), not kept here.
        #expect(c.receivers[2].routingKey == .file("\(dir)/key"))
        #expect(c.receivers[3].url == .file("\(dir)/slackurl"))
    }

    @Test func everyProblemAtOnceWithPathsAndLines() throws {
        let dir = try write([
            "c.yml": """
            poll_interval: 10ms
            repeat_interval: often
            alerts:
              data_used: { warning: 95%, critical: 90% }
              metadata_used: { warning: 170% }
              bogus: 1
            overrides:
              - min_free_space: 5%
            receivers:
              - name: a
                type: webhook
                url: ftp://x
              - name: a
                type: carrier-pigeon
                url: http://x
              - name: b
                type: pagerduty
                url: https://events.pagerduty.com/v2/enqueue
              - name: c
                type: webhook
                url: http://x
                url_file: /nonexistent
                hmac_secret_file: /nonexistent/secret
            """
        ])
        do {
            _ = try AgentConfig.load(path: "\(dir)/c.yml")
            Issue.record("accepted")
        } catch {
            let text = error.description
            for fragment in [
                "c.yml:1: poll_interval: must be at least 100ms, not 10ms",
                "c.yml:2: repeat_interval: \"often\" is not a duration",
                "alerts.data_used: critical (90%) must be above warning (95%)",
                "alerts.metadata_used.warning: must be between 1% and 100%, not 170%",
                "alerts.bogus: unknown setting",
                "overrides[0].match: required",
                "receivers[0].url: must be http or https, not ftp",
                "receivers[1].type: unknown type \"carrier-pigeon\"",
                "receivers[2].routing_key_file: pagerduty receivers need routing_key_file",
                "receivers[3].url: give url or url_file, not both",
                "receivers[3].hmac_secret_file: cannot read /nonexistent/secret",
            ] {
                #expect(text.contains(fragment), "missing: \(fragment)\n\(text)")
            }
            // The duplicate name of receivers[1] is only found when the receiver itself parses.
            #expect(error.problems.count >= 11)
        }
    }

    /// Secret files are read when the config is: one that is empty or not text (a binary key
    /// would otherwise be altered, and every signature wrong) is a config problem.
    @Test func secretFilesMustBeNonEmptyText() throws {
        let dir = try write([
            "empty": "",
            "c.yml": """
            receivers:
              - { name: a, type: webhook, url: "http://x", hmac_secret_file: binary }
              - { name: b, type: pagerduty, url: "https://events.pagerduty.com/v2/enqueue", routing_key_file: empty }
              - { name: c, type: webhook, url: "http://x", hmac_secret_file: text }
              - { name: d, type: webhook, url: "http://x", hmac_secret_file: /dev/zero }
            """, "text": "s3cret\n",
        ])
        try Data([0x6b, 0xff, 0xfe, 0x01]).write(to: URL(fileURLWithPath: "\(dir)/binary"))
        do {
            _ = try AgentConfig.load(path: "\(dir)/c.yml")
            Issue.record("accepted")
        } catch {
            #expect(error.problems.count == 3, "\(error)")
            #expect(error.description.contains("c.yml:5: receivers[3].hmac_secret_file: /dev/zero is not a regular file"), "\(error)")
            #expect(error.description.contains("c.yml:2: receivers[0].hmac_secret_file: \(dir)/binary is not valid UTF-8 text"), "\(error)")
            #expect(error.description.contains("c.yml:3: receivers[1].routing_key_file: \(dir)/empty is empty"), "\(error)")
        }
    }

    @Test func durations() {
        #expect(parseDuration("500ms") == .milliseconds(500))
        #expect(parseDuration("1h30m") == .seconds(5400))
        #expect(parseDuration("2d") == .seconds(172_800))
        #expect(parseDuration("1.5s") == .milliseconds(1500))
        #expect(parseDuration("10") == nil)
        #expect(parseDuration("m") == nil)
        #expect(parseDuration("") == nil)
        #expect(formatDuration(.seconds(5400)) == "1h30m")
    }
}

@Suite struct AutoextendConfigTests {
    @Test func parsesAndOverrides() throws {
        let dir = try makeTempDir([
            "c.yml": """
            autoextend:
              enabled: true
              dry_run: true
              executor: loop
              cooldown: 2m
              data: { threshold: 85%, step: 25%, max_size: 2TiB, min_headroom: 5GiB }
              metadata: { step: 512MiB, max_size: unlimited }
            overrides:
              - match: ["vg-*"]
                autoextend: { executor: lvm, data: { step: auto }, leave_to_dmeventd: false }
            """
        ])
        let c = try AgentConfig.load(path: "\(dir)/c.yml")
        let a = c.policy(for: "docker-x").autoextend
        #expect(a.enabled && a.dryRun && a.executor == .loop && a.cooldown == .seconds(120))
        #expect(a.leaveToDmeventd, "by default a pool LVM extends itself is left to it")
        #expect(a.data == AutoextendPolicy.Space(threshold: 0.85, step: .fraction(0.25), maxSize: 2 << 40, minHeadroom: 5 << 30))
        #expect(a.metadata.step == .bytes(512 << 20) && a.metadata.maxSize == nil && a.metadata.threshold == 0.70)
        let v = c.policy(for: "vg-pool").autoextend
        #expect(v.executor == .lvm && v.data.step == .auto && v.data.threshold == 0.85 && v.enabled)
        #expect(!v.leaveToDmeventd)
        #expect(AgentConfig().defaults.autoextend.enabled == false, "off unless enabled")
    }

    @Test func problems() throws {
        let dir = try makeTempDir([
            "c.yml": """
            autoextend:
              executor: magic
              data: { threshold: 120%, step: lots, max_size: big }
              cooldown: never
            """
        ])
        do {
            _ = try AgentConfig.load(path: "\(dir)/c.yml")
            Issue.record("accepted")
        } catch {
            let t = error.description
            for f in [
                "autoextend.executor: unknown executor \"magic\"", "autoextend.data.threshold: must be between 5% and 99%",
                "autoextend.data.step: \"lots\" is not a step", "autoextend.data.max_size: \"big\" is not a size",
                "autoextend.cooldown: \"never\" is not a duration",
            ] {
                #expect(t.contains(f), "missing \(f)\n\(t)")
            }
        }
        #expect(parseSize("10GiB") == 10 << 30)
        #expect(parseSize("1.5TB") == 1_500_000_000_000)
        #expect(parseSize("512") == 512)
        #expect(parseSize("lots") == nil)
    }

    /// A command receiver's program runs as root: only root may be able to change it, its
    /// directory or the config naming it; every problem is reported at once.
    @Test func commandReceiversRunOnlyWhatOnlyRootCanChange() throws {
        let dir = try makeTempDir()
        try FileManager.default.createDirectory(atPath: dir + "/bin", withIntermediateDirectories: true)
        for name in ["ok", "open", "theirs", "plain"] {
            try "#!/bin/sh\n".write(toFile: "\(dir)/bin/\(name)", atomically: true, encoding: .utf8)
        }
        chmod(dir + "/bin", 0o755)
        chmod(dir + "/bin/ok", 0o755)
        chmod(dir + "/bin/open", 0o777)
        chmod(dir + "/bin/theirs", 0o755)
        chown(dir + "/bin/theirs", 1000, 1000)
        chmod(dir + "/bin/plain", 0o644)
        func config(_ receivers: String) throws -> String {
            try receivers.write(toFile: dir + "/c.yml", atomically: true, encoding: .utf8)
            chmod(dir + "/c.yml", 0o600)
            return dir + "/c.yml"
        }
        let good = try AgentConfig.load(
            path: try config("receivers:\n  - { name: run, type: command, command: [\(dir)/bin/ok, --pool, x y], timeout: 30s }\n"))
        #expect(good.receivers.first?.command == ["\(dir)/bin/ok", "--pool", "x y"])
        #expect(good.receivers.first?.kind == .command)
        let bad = try config(
            """
            receivers:
              - { name: a, type: command, command: [\(dir)/bin/open] }
              - { name: b, type: command, command: \(dir)/bin/theirs }
              - { name: c, type: command, command: [bin/ok] }
              - { name: d, type: command, command: [\(dir)/bin/plain], url: http://x }
              - { name: e, type: command }
              - { name: f, type: webhook, url: http://x, command: [\(dir)/bin/ok] }
              - { name: g, type: command, command: [\(dir)/bin/missing] }
            """)
        chmod(bad, 0o666)
        do {
            _ = try AgentConfig.load(path: bad)
            Issue.record("accepted")
        } catch {
            let text = "\(error)"
            for fragment in [
                "receivers[0].command: the program \(dir)/bin/open is writable by its group (mode 777)",
                "receivers[0].command: the configuration file \(bad) is writable by its group (mode 666)",
                "receivers[1].command: the program \(dir)/bin/theirs is owned by uid 1000, not root",
                "receivers[2].command: bin/ok: give the program's absolute path",
                "receivers[3].command: \(dir)/bin/plain is not executable",
                "receivers[3].url: command receivers run a program: no url",
                "receivers[4].command: required: the program's absolute path and its arguments",
                "receivers[5].command: only command receivers run a program",
                "receivers[6].command: \(dir)/bin/missing does not exist",
            ] {
                #expect(text.contains(fragment), "\(fragment)\n--- in ---\n\(text)")
            }
        }
    }
}
