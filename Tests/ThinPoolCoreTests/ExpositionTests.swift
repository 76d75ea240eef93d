import Testing
import ThinPoolCore

@Suite struct ExpositionTests {
    func families() -> [MetricFamily] {
        var g = MetricFamily("t_bytes", .gauge, help: "A gauge with \\ and\nnewline and \"quotes\".")
        g.add(["pool": "a\"b\\c\nd", "mode": "rw"], .integer(UInt64.max))
        g.add([:], .double(0.25))
        var c = MetricFamily("t_events", .counter, help: "Events.")
        c.add(["pool": "p"], 3)
        var i = MetricFamily("t_build", .info, help: "Build.")
        i.add(["version": "1"], 1)
        let empty = MetricFamily("t_empty", .gauge, help: "Nothing.")
        var special = MetricFamily("t_special", .gauge, help: "Special values.")
        special.add(["v": "nan"], .double(.nan))
        special.add(["v": "inf"], .double(.infinity))
        special.add(["v": "-inf"], .double(-.infinity))
        special.add(["v": "big"], .double(1e20))
        return [g, c, i, empty, special]
    }

    @Test func textFormat() {
        #expect(
            ExpositionFormat.text.render(families()) == """
                # HELP t_bytes A gauge with \\\\ and\\nnewline and "quotes".
                # TYPE t_bytes gauge
                t_bytes{pool="a\\"b\\\\c\\nd",mode="rw"} 18446744073709551615
                t_bytes 0.25
                # HELP t_events_total Events.
                # TYPE t_events_total counter
                t_events_total{pool="p"} 3
                # HELP t_build_info Build.
                # TYPE t_build_info gauge
                t_build_info{version="1"} 1
                # HELP t_special Special values.
                # TYPE t_special gauge
                t_special{v="nan"} NaN
                t_special{v="inf"} +Inf
                t_special{v="-inf"} -Inf
                t_special{v="big"} 1e+20

                """)
    }

    @Test func openMetricsFormat() {
        let om = ExpositionFormat.openMetrics.render(families())
        #expect(
            om.hasPrefix(
                """
                # TYPE t_bytes gauge
                # HELP t_bytes A gauge with \\\\ and\\nnewline and \\"quotes\\".
                t_bytes{pool="a\\"b\\\\c\\nd",mode="rw"} 18446744073709551615
                t_bytes 0.25
                # TYPE t_events counter
                # HELP t_events Events.
                t_events_total{pool="p"} 3
                # TYPE t_build info
                # HELP t_build Build.
                t_build_info{version="1"} 1

                """))
        #expect(om.hasSuffix("# EOF\n"))
        #expect(!om.contains("t_empty"))
    }

    @Test(
        arguments: [
            (nil, ExpositionFormat.text),
            ("text/plain", .text),
            ("*/*", .text),
            (
                "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
                .openMetrics
            ),
            ("text/plain;version=0.0.4;q=0.9, application/openmetrics-text; version=1.0.0", .openMetrics),
            ("application/openmetrics-text;q=0", .text),
            ("APPLICATION/OPENMETRICS-TEXT", .openMetrics),
        ] as [(String?, ExpositionFormat)])
    func negotiation(accept: String?, format: ExpositionFormat) {
        #expect(ExpositionFormat.negotiate(accept: accept) == format)
    }

    @Test func names() {
        #expect(MetricFamily.isValidName("thinpool_data_used_bytes"))
        #expect(MetricFamily.isValidName("a:b_c"))
        #expect(!MetricFamily.isValidName("1abc"))
        #expect(!MetricFamily.isValidName("a-b"))
        #expect(!MetricFamily.isValidName(""))
    }
}
