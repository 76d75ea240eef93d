import Foundation
import Synchronization
import TestSupport
import Testing

/// dashboards/thinpool.json: valid as Grafana reads it, and every query of every panel returns
/// data from a real Prometheus scraping real exporters.
@Suite struct DashboardTests {
    static func dashboard() throws -> [String: Any] {
        let data = try Data(contentsOf: Repo.root.appendingPathComponent("dashboards/thinpool.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func panels(_ d: [String: Any]) -> [[String: Any]] {
        ((d["panels"] as? [[String: Any]]) ?? []).filter { $0["type"] as? String != "row" }
    }

    @Test func hasWhatGrafanaNeeds() throws {
        let d = try Self.dashboard()
        #expect((d["schemaVersion"] as? Int ?? 0) >= 36)
        #expect(d["uid"] as? String == "thinpool-exporter")
        #expect((d["title"] as? String)?.isEmpty == false)
        let variables = try #require((d["templating"] as? [String: Any])?["list"] as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: variables.map { ($0["name"] as? String ?? "", $0) })
        #expect(byName["datasource"]?["type"] as? String == "datasource")
        #expect(byName["datasource"]?["query"] as? String == "prometheus")
        for v in ["instance", "pool"] {
            let variable = try #require(byName[v], "no $\(v)")
            #expect(variable["type"] as? String == "query")
            #expect(variable["includeAll"] as? Bool == true && variable["multi"] as? Bool == true)
            #expect(((variable["query"] as? [String: Any])?["query"] as? String)?.hasPrefix("label_values(") == true)
        }
        let all = (d["panels"] as? [[String: Any]]) ?? []
        let ids = all.compactMap { $0["id"] as? Int }
        #expect(Set(ids).count == all.count, "panel ids are unique")
        let panels = Self.panels(d)
        #expect(panels.count >= 20)
        for p in panels {
            let title = p["title"] as? String ?? "?"
            #expect(["stat", "timeseries", "table", "bargauge"].contains(p["type"] as? String ?? ""), "\(title)")
            let grid = try #require(p["gridPos"] as? [String: Int], "\(title): gridPos")
            #expect(grid["w"] != nil && grid["h"] != nil && (grid["x"] ?? 99) + (grid["w"] ?? 99) <= 24, "\(title): gridPos")
            #expect((p["datasource"] as? [String: String])?["uid"] == "${datasource}", "\(title): datasource")
            let targets = try #require(p["targets"] as? [[String: Any]], "\(title): targets")
            #expect(!targets.isEmpty, "\(title): no targets")
            #expect(Set(targets.compactMap { $0["refId"] as? String }).count == targets.count, "\(title): refIds")
            for t in targets { #expect((t["expr"] as? String)?.isEmpty == false, "\(title): a target without expr") }
        }
        // What the issue asks the dashboard to show.
        let titles = panels.compactMap { $0["title"] as? String }.joined(separator: "\n")
        for needed in [
            "Data used", "Metadata used", "minimum free space", "Time until data full", "Mode", "Needs check",
            "Top thin volumes", "Autoextend", "Notifications", "Up",
        ] {
            #expect(titles.contains(needed), "no panel about \(needed)")
        }
    }

    /// Two exporters (the demo host with the agent, alerts and a real receiver; the workload
    /// host with a pool filling as the test runs) scraped every second by a real Prometheus;
    /// then each panel's query, its variables substituted as Grafana would for "All".
    @Test func everyQueryReturnsDataFromARealPrometheus() throws {
        let dir = try makeTempDir(prefix: "dash")
        // The workload host, copied so its containerd and docker pools can fill while we watch
        // (docker's: the forecast of docker's refusal is only for a pool docker may use).
        let host = dir + "/workloads"
        try FileManager.default.copyItem(atPath: Repo.fixture("workloads"), toPath: host)
        let status = try String(contentsOfFile: host + "/status", encoding: .utf8)
        let filling = Mutex(true)
        let writer = Thread {
            var used = 96
            var meta = 113
            while filling.withLock({ $0 }) {
                used += 8
                meta += 1
                let text = status.replacingOccurrences(of: "thin-pool 0 113/1024 96/2048", with: "thin-pool 0 \(meta)/1024 \(used)/2048")
                    .replacingOccurrences(of: "thin-pool 0 423/4096 640/4096", with: "thin-pool 0 423/4096 \(640 + used)/4096")
                try? text.write(toFile: host + "/status.tmp", atomically: false, encoding: .utf8)
                rename(host + "/status.tmp", host + "/status")
                usleep(250_000)
            }
        }
        writer.start()
        defer { filling.withLock { $0 = false } }

        let receiver = try Receiver()
        defer { _ = receiver.daemon.stop() }
        let agent = """
            poll_interval: 500ms
            state_dir: \(dir)/state
            alerts: { time_to_full: { window: 1m, min_samples: 3 } }
            autoextend: { enabled: true }
            receivers:
              - { name: oncall, type: webhook, url: "\(receiver.url)", retry: { initial: 1s } }
            """
        try agent.write(toFile: dir + "/agent.yml", atomically: true, encoding: .utf8)
        var exporters: [(Daemon, Int)] = []
        defer { for (d, _) in exporters { _ = d.stop() } }
        for args in [
            ["--dm.fixtures", Repo.fixture("demo")],
            [
                "--dm.fixtures", host, "--docker.root", host + "/docker", "--docker.config", host + "/etc/docker/daemon.json",
                "--containerd.config", host + "/etc/containerd/config.toml",
            ],
        ] {
            let port = try freePort()
            let d = try Daemon(Repo.binary, args + ["--config.file", dir + "/agent.yml", "--web.listen-address", "127.0.0.1:\(port)"])
            exporters.append((d, port))
            guard waitFor(30, { httpGet("http://127.0.0.1:\(port)/healthz", timeout: 5) }) == "ok\n" else {
                throw TestFailure("the exporter did not come up: \(d.log)")
            }
        }
        let promPort = try freePort()
        try """
        global: { scrape_interval: 1s, scrape_timeout: 1s }
        scrape_configs:
          - job_name: thinpool-exporter
            static_configs: [ { targets: [\(exporters.map { "'127.0.0.1:\($0.1)'" }.joined(separator: ", "))] } ]
        """.write(toFile: "\(dir)/prometheus.yml", atomically: true, encoding: .utf8)
        let prometheus = try Daemon(
            try tool("prometheus"),
            [
                "--config.file=\(dir)/prometheus.yml", "--storage.tsdb.path=\(dir)/data",
                "--web.listen-address=127.0.0.1:\(promPort)",
            ])
        defer { _ = prometheus.stop() }

        /// (error, number of series) of an instant query.
        func query(_ q: String) -> (error: String?, series: Int) {
            let encoded = q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            // Without -f: a 400 carries Prometheus's parse error in its body.
            guard
                let r = try? runProgram(
                    "/usr/bin/curl", ["-s", "--max-time", "5", "http://127.0.0.1:\(promPort)/api/v1/query?query=\(encoded)"]),
                let json = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
            else {
                return ("no answer from Prometheus", 0)
            }
            if json["status"] as? String != "success" { return ("\(json["errorType"] ?? ""): \(json["error"] ?? "")", 0) }
            return (nil, ((json["data"] as? [String: Any])?["result"] as? [Any])?.count ?? 0)
        }
        // Both targets up, a few scrapes in, the pool seen filling by the agent.
        #expect(waitFor(60) { query("count(up == 1) == 2").series == 1 ? true : nil } != nil, "\(prometheus.log.suffix(1500))")
        #expect(
            waitFor(60) { query("thinpool_data_full_seconds").series > 0 ? true : nil } != nil,
            "the agent never forecast the filling pool: \(exporters[1].0.log.suffix(1500))")
        #expect(waitFor(30) { query("thinpool_notifications_total{result=\"delivered\"} > 0").series > 0 ? true : nil } != nil)
        // Rates and increases over the panels' windows need a few samples of every target.
        #expect(waitFor(30) { query("min(count_over_time(up[1m])) >= 4").series == 1 ? true : nil } != nil, "fewer than 4 scrapes a target")

        func substitute(_ expr: String) -> String {
            expr.replacingOccurrences(of: "$instance", with: ".+").replacingOccurrences(of: "$pool", with: ".+")
                .replacingOccurrences(of: "$__rate_interval", with: "20s").replacingOccurrences(of: "$__range", with: "1m")
        }
        let d = try Self.dashboard()
        var checked = 0
        for p in Self.panels(d) {
            for t in (p["targets"] as? [[String: Any]]) ?? [] {
                let expr = substitute(t["expr"] as? String ?? "")
                let r = query(expr)
                #expect(r.error == nil, "panel \"\(p["title"] ?? "")\": \(r.error ?? ""): \(expr)")
                // The space scan needs a real kernel (a metadata snapshot, mounted filesystems):
                // the space-scan VM scenario shows those series.
                let kernelOnly = ["thinpool_reclaimable_bytes", "thinpool_thin_exclusive_bytes"]
                if !kernelOnly.contains(where: { expr.contains($0) }) {
                    #expect(r.series > 0, "panel \"\(p["title"] ?? "")\" has no data: \(expr)")
                }
                checked += 1
            }
        }
        #expect(checked >= 25)
        // The variables' queries: label_values(METRIC{...}, LABEL) finds values.
        for v in ((d["templating"] as? [String: Any])?["list"] as? [[String: Any]]) ?? [] {
            guard let q = (v["query"] as? [String: Any])?["query"] as? String, q.hasPrefix("label_values(") else { continue }
            let inner = substitute(String(q.dropFirst("label_values(".count).dropLast()))
            let metric = String(inner[..<inner.lastIndex(of: ",")!])
            #expect(query(metric).series > 0, "variable \(v["name"] ?? ""): \(metric) has no series")
        }
    }
}
