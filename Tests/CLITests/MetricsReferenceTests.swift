import Foundation
import TestSupport
import Testing

/// docs/metrics.md against what the real binary serves: every family /metrics serves -- the
/// agent's included, with a receiver, autoextend and the space scan configured -- is on the
/// page with the same type and help text. (CollectorsTests holds the page equal to the
/// descriptors it is made from.)
@Suite struct MetricsReferenceTests {
    /// The page's rows: name -> (type, help as written in the exposition).
    static func page() throws -> [String: (type: String, help: String)] {
        let text = try String(contentsOfFile: Repo.root.path + "/docs/metrics.md", encoding: .utf8)
        var rows: [String: (String, String)] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("| `thinpool_") {
            let cells = line.dropFirst(2).dropLast(2).components(separatedBy: " | ")
            guard cells.count == 4 else { continue }
            let name = cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            let type = cells[1] == "info (gauge)" ? "gauge" : cells[1]
            rows[name] = (type, cells[3].replacingOccurrences(of: "\\|", with: "|"))
        }
        return rows
    }

    @Test(arguments: ["demo", "workloads"])
    func everyFamilyServedIsOnThePage(fixture: String) throws {
        let dir = try makeTempDir(prefix: "reference")
        try writeClosingOnExec(
            dir + "/agent.yml",
            """
            state_dir: \(dir)/state
            poll_interval: 1s
            receivers:
              - { name: hook, type: webhook, url: "http://127.0.0.1:9/" }
            autoextend: { enabled: true }
            space_scan: { enabled: true }
            """)
        let port = try freePort()
        let d = try Daemon(
            Repo.binary,
            ["--dm.fixtures", Repo.fixture(fixture), "--config.file", dir + "/agent.yml", "--web.listen-address", "127.0.0.1:\(port)"])
        defer { _ = d.stop() }
        let metrics = try #require(
            waitFor(30) { httpGet("http://127.0.0.1:\(port)/metrics").flatMap { $0.contains("thinpool_watch_reads_total") ? $0 : nil } },
            "\(d.log)")
        let page = try Self.page()
        var help: [String: String] = [:]
        var type: [String: String] = [:]
        for line in metrics.split(separator: "\n") {
            let w = line.split(separator: " ", maxSplits: 3).map(String.init)
            if w.count >= 4, w[1] == "HELP" { help[w[2]] = w[3] }
            if w.count >= 4, w[1] == "TYPE" { type[w[2]] = w[3] }
        }
        #expect(type.count > 40, "\(type.count) families served")
        for (name, t) in type.sorted(by: { $0.key < $1.key }) {
            guard let row = page[name] else {
                Issue.record("/metrics serves \(name), which docs/metrics.md does not describe")
                continue
            }
            #expect(row.type == t, "\(name): the page says \(row.type), /metrics \(t)")
            #expect(row.help == help[name], "\(name): the page's help differs from /metrics'")
        }
    }
}
