import Foundation
import Testing
import ThinPoolCore

/// What the landing page shows of the agent, per pool: its alerts, in order, and its forecasts
/// (metadata's soonest of its own trend and the one projected from data).
@Suite struct PoolAgentViewTests {
    @Test func alertsAndForecastsAreGatheredByPool() {
        let t = Date(timeIntervalSince1970: 0)
        func alert(_ pool: String, _ name: String, _ severity: Severity) -> ActiveAlert {
            ActiveAlert(
                key: AlertKey(pool: pool, name: AlertName(name)), severity: severity, startsAt: t, lastNotifiedAt: t,
                summary: "\(pool) \(name)", description: "", value: nil)
        }
        var f = AlertRules.Forecasts()
        f.dataSecondsToFull = 3600
        f.metadataSecondsToFull = 900
        f.metadataSecondsToFullByData = 600
        let views = PoolAgentView.byPool(
            firing: [
                alert("a", "ThinPoolDataUsage", .critical), alert("a", "ThinPoolLowWaterMark", .warning),
                alert("b", "ThinPoolFailed", .critical),
            ],
            forecasts: [(pool: "a", forecast: f)])
        #expect(views["a"]?.firing.map(\.name) == ["ThinPoolDataUsage", "ThinPoolLowWaterMark"])
        #expect(views["a"]?.dataSecondsToFull == 3600)
        #expect(views["a"]?.metadataSecondsToFull == 600, "the sooner of metadata's two forecasts")
        #expect(views["b"] == PoolAgentView(firing: [.init(name: "ThinPoolFailed", severity: "critical", summary: "b ThinPoolFailed")]))
        #expect(views["c"] == nil)
    }
}
