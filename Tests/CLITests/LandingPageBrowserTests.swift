import Foundation
import TestSupport
import Testing

/// The landing page in a real browser (Debian's chromium, headless): rendered, every pool on
/// it, a screenshot kept at .build/artifacts/landing-page.png.
@Suite(.serialized) struct LandingPageBrowserTests {
    func chromium(_ args: [String]) throws -> ProcessResult {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)").path
        return try runProgram(
            try tool("chromium"),
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--user-data-dir=\(profile)", "--virtual-time-budget=2000",
            ] + args)
    }

    @Test func everyPoolIsShownInARealBrowser() throws {
        let port = try freePort()
        let d = try Daemon(Repo.binary, ["--dm.fixtures", Repo.fixture("demo"), "--web.listen-address", "127.0.0.1:\(port)"])
        defer { _ = d.stop() }
        #expect(waitFor(30) { httpGet("http://127.0.0.1:\(port)/healthz", timeout: 5) } == "ok\n")
        let url = "http://127.0.0.1:\(port)/"

        let dom = try chromium(["--dump-dom", url])
        #expect(dom.status == 0, "\(dom.stderr.suffix(500))")
        for pool in ["broken", "docker-8:1-1048577-pool", "docker-thinpool-tpool", "full"] {
            #expect(dom.stdout.contains("id=\"pool-\(pool)\""), "no card for \(pool)")
        }
        #expect(dom.stdout.contains("class=\"mode fail\">fail</span>"))
        #expect(dom.stdout.contains("class=\"mode out_of_data_space\">out_of_data_space</span>"))
        #expect(dom.stdout.contains("Docker would refuse new containers now"))
        #expect(dom.stdout.contains("The pool has failed"))
        #expect(dom.stdout.contains("Data: 157.3MB of 184.5MB used (85.2%), 27.26MB available"))
        // No external assets: nothing is fetched from elsewhere.
        #expect(!dom.stdout.contains("src=\"http") && !dom.stdout.contains("href=\"http"))

        let artifacts = Repo.root.appendingPathComponent(".build/artifacts")
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        let png = artifacts.appendingPathComponent("landing-page.png").path
        try? FileManager.default.removeItem(atPath: png)
        let shot = try chromium(["--screenshot=\(png)", "--window-size=1100,1500", url])
        #expect(shot.status == 0, "\(shot.stderr.suffix(500))")
        let data = try Data(contentsOf: URL(fileURLWithPath: png))
        #expect(data.starts(with: [0x89, 0x50, 0x4E, 0x47]), "not a PNG")
        // IHDR width and height.
        let width = data[16..<20].reduce(0) { $0 << 8 | Int($1) }
        let height = data[20..<24].reduce(0) { $0 << 8 | Int($1) }
        #expect(width == 1100 && height == 1500)
        #expect(data.count > 20_000, "a blank page would be tiny")
    }

    /// The card of `pool` in a dumped DOM: from its id to the next card.
    func card(_ dom: String, _ pool: String) -> String {
        guard let start = dom.range(of: "id=\"pool-\(pool)\"") else { return "" }
        let rest = dom[start.upperBound...]
        let end = rest.range(of: "id=\"pool-")?.lowerBound ?? rest.endIndex
        return String(rest[..<end])
    }

    /// With the agent running, what an operator at 3 am needs first is first on each card: the
    /// alerts firing, before the figures.
    @Test func whatIsFiringComesFirstInARealBrowser() throws {
        let dir = try makeTempDir(
            ["agent.yml": "poll_interval: 200ms\nstate_dir: state\nalerts: { data_used: { warning: 80%, critical: 99% } }\n"],
            prefix: "page")
        let port = try freePort()
        let d = try Daemon(
            Repo.binary,
            ["--dm.fixtures", Repo.fixture("demo"), "--config.file", dir + "/agent.yml", "--web.listen-address", "127.0.0.1:\(port)"])
        defer { _ = d.stop() }
        let firing = waitFor(10) { () -> String? in
            let m = httpGet("http://127.0.0.1:\(port)/metrics", timeout: 1) ?? ""
            return m.contains("thinpool_alerts_firing{pool=\"docker-thinpool-tpool\",alertname=\"ThinPoolDataUsage\"") ? m : nil
        }
        #expect(firing != nil, "the agent fired nothing for the pool 85% full")
        let dom = try chromium(["--dump-dom", "http://127.0.0.1:\(port)/"])
        #expect(dom.status == 0, "\(dom.stderr.suffix(500))")
        // The pool 85.2% full: its alerts, then who holds the most, then the figures.
        let lvm = card(dom.stdout, "docker-thinpool-tpool")
        let alert = lvm.range(
            of: "<div class=\"firing warning\"><b>ThinPoolDataUsage</b>warning: pool docker-thinpool-tpool data 85.2% used")
        let holder = lvm.range(of: "holds the most: LV docker/vol1 (157.3MB mapped)")
        let data = lvm.range(of: "Data: 157.3MB of 184.5MB used (85.2%)")
        #expect(alert != nil && holder != nil && data != nil, "\(lvm.prefix(1500))")
        if let alert, let holder, let data {
            #expect(alert.lowerBound < holder.lowerBound && holder.lowerBound < data.lowerBound, "alerts, then holders, then figures")
        }
        // The pool 32% used past its low water mark: that alert, not the usage one.
        let docker = card(dom.stdout, "docker-8:1-1048577-pool")
        #expect(docker.contains("<div class=\"firing warning\"><b>ThinPoolLowWaterMark</b>"), "\(docker.prefix(1500))")
        #expect(!docker.contains("<b>ThinPoolDataUsage</b>"), "32% is under the 80% warning")
        let full = card(dom.stdout, "full")
        #expect(
            full.contains("<div class=\"firing critical\"><b>"),
            "nothing critical firing for a pool out of data space: \(full.prefix(1500))")
    }
}
