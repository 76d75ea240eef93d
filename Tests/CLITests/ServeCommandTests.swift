import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `thinpool-exporter serve`, the real binary, as a daemon.
@Suite(.serialized) struct ServeCommandTests {
    func serve(_ extra: [String] = [], fixture: String = "demo") throws -> (Daemon, Int) {
        let port = try freePort()
        let d = try Daemon(Repo.binary, ["--dm.fixtures", Repo.fixture(fixture), "--web.listen-address", "127.0.0.1:\(port)"] + extra)
        guard waitFor(30, { httpGet("http://127.0.0.1:\(port)/healthz", timeout: 5) }) == "ok\n" else {
            _ = d.stop()
            throw TestFailure("the exporter did not come up: \(d.log)")
        }
        return (d, port)
    }

    @Test func servesByDefaultAndStopsGracefullyOnSIGTERM() throws {
        let (d, port) = try serve()
        #expect(httpGet("http://127.0.0.1:\(port)/metrics")?.contains("thinpool_up 1\n") == true)
        #expect(d.stop(SIGTERM) == 0)
        #expect(d.log.contains("msg=stopped"), "\(d.log)")
        #expect(httpGet("http://127.0.0.1:\(port)/healthz", timeout: 1) == nil)
        let (d2, _) = try serve()
        #expect(d2.stop(SIGINT) == 0)
    }

    @Test func sigtermWithKeptAliveConnectionsStopsCleanly() throws {
        let (d, port) = try serve()
        var clients: [RawClient] = []
        for _ in 0..<20 {
            let c = try RawClient(port: port)
            c.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            clients.append(c)
        }
        // Every client answered, its connection kept alive: then the stop.
        for c in clients { #expect(c.readResponse().hasPrefix("HTTP/1.1 200 OK")) }
        #expect(d.stop(SIGTERM) == 0)
        #expect(!d.log.contains("ERROR"), "\(d.log)")
        #expect(d.log.contains("msg=stopped"))
    }

    @Test func sigtermWithRequestsQueuedForClientsThatLeftStopsCleanly() throws {
        for _ in 0..<3 {
            let (d, port) = try serve()
            // Requests queue on the collection thread pool; their clients hang up at once.
            for _ in 0..<200 {
                let c = try RawClient(port: port)
                c.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET /api/v1/pools HTTP/1.1\r\nHost: x\r\n\r\n")
                c.close()
            }
            #expect(d.stop(SIGTERM) == 0, "\(sanitizerReport(d.log))")
            #expect(!d.log.contains("ERROR"), "\(d.log)")
        }
    }

    @Test func jsonLogs() throws {
        let (d, _) = try serve(["--log.format", "json"])
        _ = d.stop()
        let lines = d.log.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["level"] != nil && object?["msg"] != nil && object?["time"] != nil, "\(line)")
        }
    }

    @Test func badWebConfigListsEveryProblem() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("web-\(UUID().uuidString).yml").path
        try "tls_server_config:\n  cert_file: nope.crt\nbasic_auth_users:\n  bob: plaintext\n".write(
            toFile: file, atomically: true, encoding: .utf8)
        let r = try run(["serve", "--dm.fixtures", Repo.fixture("demo"), "--web.config.file", file, "--web.listen-address", "127.0.0.1:0"])
        #expect(r.status == 78)
        #expect(r.stderr.contains("3 problems in \(file)"), "\(r.stderr)")
        #expect(r.stderr.contains("tls_server_config.cert_file: cannot read"))
        #expect(r.stderr.contains("tls_server_config.key_file: required"))
        #expect(r.stderr.contains("basic_auth_users.bob: not a bcrypt hash"))
        #expect(!r.stderr.contains("plaintext"), "a secret reached the error output")
    }

    @Test func aPortInUseIsAClearError() throws {
        let (d, port) = try serve()
        let r = try run(["serve", "--dm.fixtures", Repo.fixture("demo"), "--web.listen-address", "127.0.0.1:\(port)"])
        #expect(r.status == 71)
        #expect(r.stderr.contains("cannot listen on 127.0.0.1:\(port)"), "\(r.stderr)")
        _ = d.stop()
    }

    @Test func helpIsGolden() throws {
        let r = try run(["serve", "--help"])
        #expect(r.status == 0)
        try golden.expect(r.stdout, "serve-help.txt")
        let top = try run(["--help"])
        try golden.expect(top.stdout, "help.txt")
    }

    @Test func badFlags() throws {
        for (args, message) in [
            (["--web.listen-address", "nowhere"], "is not HOST:PORT"),
            (["--web.telemetry-path", "metrics"], "must start with /"),
            (["--log.format", "xml"], "is not one of logfmt, json"),
        ] {
            let r = try run(["serve"] + args)
            #expect(r.status == 64)
            #expect(r.stderr.contains(message), "\(r.stderr)")
        }
    }

    /// A real Prometheus (Debian's) scrapes the exporter and stores the right values.
    @Test func aRealPrometheusScrapesIt() throws {
        let (d, port) = try serve()
        defer { _ = d.stop() }
        let promPort = try freePort()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prom-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try """
        global: { scrape_interval: 1s, scrape_timeout: 1s }
        scrape_configs:
          - job_name: thinpool
            static_configs: [ { targets: ['127.0.0.1:\(port)'] } ]
        """.write(toFile: "\(dir)/prometheus.yml", atomically: true, encoding: .utf8)
        let prometheus = try Daemon(
            try tool("prometheus"),
            [
                "--config.file=\(dir)/prometheus.yml", "--storage.tsdb.path=\(dir)/data",
                "--web.listen-address=127.0.0.1:\(promPort)",
            ])
        defer { _ = prometheus.stop() }

        func query(_ q: String) -> [(labels: [String: String], value: String)]? {
            let encoded = q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            guard let body = httpGet("http://127.0.0.1:\(promPort)/api/v1/query?query=\(encoded)", timeout: 2),
                let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
                let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]], !result.isEmpty
            else { return nil }
            return result.map { (($0["metric"] as? [String: String]) ?? [:], (($0["value"] as? [Any])?[1] as? String) ?? "") }
        }
        let up = waitFor(30) { query("up{job=\"thinpool\"} == 1") }
        #expect(up != nil, "Prometheus never scraped the exporter successfully: \(prometheus.log.suffix(2000))")
        let used = try #require(waitFor(10) { query("thinpool_data_used_bytes") })
        let byPool = Dictionary(uniqueKeysWithValues: used.map { ($0.labels["pool"] ?? "", $0.value) })
        #expect(byPool == ["docker-8:1-1048577-pool": "67108864", "docker-thinpool-tpool": "157286400", "full": "16777216"])
        #expect(query("thinpool_up")?.first?.value == "1")
        #expect(query("thinpool_mode{pool=\"broken\",mode=\"fail\"}")?.first?.value == "1")
        #expect(query("thinpool_docker_refuses_new_devices{pool=\"full\",space=\"data\"}")?.first?.value == "1")
        #expect(query("thinpool_dm_events_total{pool=\"full\"}")?.first?.value == "2")
        let build = try #require(query("thinpool_exporter_build_info")?.first?.labels)
        #expect(
            build["version"] == (try String(contentsOfFile: Repo.root.path + "/VERSION", encoding: .utf8)).trimmingCharacters(in: .newlines)
        )
        #expect(build["revision"] == (try gitHead()), "the commit the binary was built from")
        #expect(build["swiftversion"]?.first?.isNumber == true, "\(build)")
        // Prometheus asked for OpenMetrics and parsed it: no scrape error on the target.
        let targets = httpGet("http://127.0.0.1:\(promPort)/api/v1/targets") ?? ""
        #expect(targets.contains("\"lastError\":\"\""), "\(targets)")
    }
}
