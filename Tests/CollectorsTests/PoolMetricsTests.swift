import DeviceMapper
import Foundation
import Reader
import ReaderTestSupport
import TestSupport
import Testing
import ThinPoolCore

@testable import Collectors

let golden = Golden(URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("golden"))

/// The metrics of the shipped fixtures: golden files in both formats, checked by promtool
/// (text) and by the prometheus_client OpenMetrics parser (OpenMetrics).
@Suite struct PoolMetricsTests {
    func render(_ fixture: String, _ format: ExpositionFormat) -> String {
        let reader = fixtureReader(Repo.fixture(fixture))
        let (families, ok) = PoolCollector(read: { try reader.read() }).collect()
        #expect(ok)
        return format.render(families)
    }

    @Test(arguments: ["demo", "reference-host", "workloads"])
    func textIsGoldenAndPromtoolClean(fixture: String) throws {
        let text = render(fixture, .text)
        try golden.expect(text, "metrics-\(fixture).prom")
        let r = try runProgram(try tool("promtool"), ["check", "metrics"], input: text)
        #expect(r.status == 0 && r.output.isEmpty, "promtool: \(r.output)")
    }

    @Test(arguments: ["demo", "reference-host", "workloads"])
    func openMetricsIsGoldenAndParses(fixture: String) throws {
        let om = render(fixture, .openMetrics)
        try golden.expect(om, "metrics-\(fixture).om")
        let check = """
            import sys
            from prometheus_client.openmetrics.parser import text_string_to_metric_families
            n = sum(len(f.samples) for f in text_string_to_metric_families(sys.stdin.read()))
            print(n)
            """
        let r = try runProgram("/usr/bin/python3", ["-c", check], input: om)
        #expect(r.status == 0, "OpenMetrics parser: \(r.output)")
        #expect(
            Int(r.output.trimmingCharacters(in: .whitespacesAndNewlines)) == om.split(separator: "\n").filter { !$0.hasPrefix("#") }.count)
    }

    @Test func referenceHostValues() {
        let text = render("reference-host", .text)
        for line in [
            "thinpool_data_used_bytes{pool=\"docker-8:1-1234-pool\"} 38139658240",
            "thinpool_data_size_bytes{pool=\"docker-8:1-1234-pool\"} 214748364800",
            "thinpool_data_available_bytes{pool=\"docker-8:1-1234-pool\"} 176608706560",
            "thinpool_metadata_used_bytes{pool=\"docker-8:1-1234-pool\"} 47071232",
            "thinpool_min_free_space_bytes{pool=\"docker-8:1-1234-pool\"} 21474836480",
            "thinpool_mode{pool=\"docker-8:1-1234-pool\",mode=\"rw\"} 1",
        ] {
            #expect(text.contains(line + "\n"), "missing \(line)")
        }
    }

    @Test func aPoolThatCannotBeReadHasItsOwnSeriesAndTheScrapeSucceeds() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pm-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "bad: 0 65536 thin-pool 7:0 7:1 128 16 0\ngood: 0 65536 thin-pool 7:2 7:3 128 16 0\n".write(
            toFile: dir + "/table", atomically: true, encoding: .utf8)
        try "bad: 0 65536 thin-pool 0 10/1024 600/512 -\ngood: 0 65536 thin-pool 0 10/1024 6/512 -\n".write(
            toFile: dir + "/status", atomically: true, encoding: .utf8)
        let reader = PoolReader(client: FixtureDeviceMapper(directory: dir), backing: NoLoopBacking())
        let (families, ok) = PoolCollector(read: { try reader.read() }).collect()
        #expect(ok)
        let text = ExpositionFormat.text.render(families)
        #expect(text.contains("thinpool_up 1\n"))
        #expect(text.contains("thinpool_pool_up{pool=\"bad\"} 0\n"))
        #expect(text.contains("thinpool_pool_up{pool=\"good\"} 1\n"))
        #expect(text.contains("thinpool_data_used_bytes{pool=\"good\"} 393216\n"))
        #expect(!text.contains("thinpool_data_used_bytes{pool=\"bad\""))
    }

    @Test func deviceMapperUnavailableIsUpZeroNotAFailedScrape() {
        struct Down: Error {}
        let scraper = Scraper(collectors: [PoolCollector(read: { throw Down() })], build: Scraper.Build(version: "test"))
        let text = ExpositionFormat.text.render(scraper.scrape())
        #expect(text.contains("thinpool_up 0\n"))
        #expect(text.contains("thinpool_scrape_collector_success{collector=\"pools\"} 0\n"))
        #expect(
            text.contains(
                "thinpool_exporter_build_info{version=\"test\",revision=\"unknown\",branch=\"unknown\",build_date=\"unknown\",swiftversion=\"unknown\"} 1\n"
            ))
        #expect(text.contains("thinpool_scrape_collector_duration_seconds{collector=\"pools\"} "))
    }
}

/// thinpool_lvm_refuses_new_volumes for an LVM pool whose threshold lvm reported.
@Suite struct LVMRefusalMetricTests {
    @Test func dataAndMetadataSeries() throws {
        var s = ThinPool(
            name: "pve-data-tpool", uuid: "LVM-abc-tpool", number: DeviceNumber(major: 254, minor: 4), eventNumber: 0,
            length: Sectors(128_000), table: try ThinPoolTable(parsing: "254:2 254:3 128 0 0"),
            status: try ThinPoolStatus(parsing: "1 800/1024 758/1000 - rw discard_passdown queue_if_no_space - 256"))
        var o = PoolOwner(kind: .lvm, lvm: LVMName(vg: "pve", lv: "data"))
        o.lvmAutoextend = LVMAutoextend(monitored: false, threshold: 80, percent: 20)
        s.owner = o
        let host = HostReading(pools: [PoolReading(pool: s, minFreeSpacePercent: 10)], deviceCount: 3)
        let (families, ok) = PoolCollector(read: { host }).collect()
        #expect(ok)
        let text = ExpositionFormat.text.render(families)
        // 75.8% data is under 80; 78.1% metadata of 4 MiB is past lvm's 75% floor.
        #expect(text.contains("thinpool_lvm_refuses_new_volumes{pool=\"pve-data-tpool\",space=\"data\"} 0\n"))
        #expect(text.contains("thinpool_lvm_refuses_new_volumes{pool=\"pve-data-tpool\",space=\"metadata\"} 1\n"))
        // None of docker's figures for a pool LVM owns.
        #expect(!text.contains("thinpool_docker_refuses_new_devices{pool=\"pve-data-tpool\""))
        #expect(!text.contains("thinpool_min_free_space_bytes{pool=\"pve-data-tpool\""))
    }
}
