import Foundation
import Testing
import ThinPoolCore

/// Which receiver is told what, and what an attempt does: the outbox as a value.
@Suite struct OutboxTests {
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    static func receiver(_ name: String, _ kind: ReceiverConfig.Kind = .webhook, _ change: (inout ReceiverConfig) -> Void = { _ in })
        -> ReceiverConfig
    {
        var r = ReceiverConfig(name: name, kind: kind, url: .value("http://x/\(name)"))
        change(&r)
        return r
    }

    static func alert(_ pool: String, _ severity: Severity = .warning, name: String = "ThinPoolDataUsage") -> ActiveAlert {
        ActiveAlert(
            key: AlertKey(pool: pool, name: AlertName(name)), severity: severity, startsAt: t0, lastNotifiedAt: t0,
            summary: "s", description: "d", value: nil)
    }

    @Test func eachEventGoesToTheReceiversThatRouteIt() {
        let receivers = [
            Self.receiver("all"),
            Self.receiver("critical") { $0.severities = ["critical"] },
            Self.receiver("docker") { $0.poolGlobs = ["docker-*"] },
            Self.receiver("quiet") { $0.sendResolved = false },
        ]
        var outbox = Outbox()
        let a = Self.alert("docker-thinpool")
        let queued = outbox.route(
            [AlertEvent(kind: .firing, alert: a), AlertEvent(kind: .resolved, alert: Self.alert("pve-data"), endsAt: Self.t0)],
            to: receivers, firing: [a], now: Self.t0)
        #expect(queued.map(\.receiver) == ["all", "docker", "quiet", "all"])
        #expect(queued.map(\.sequence) == [1, 2, 3, 4])
        #expect(queued.map(\.status) == [.firing, .firing, .firing, .resolved])
        #expect(outbox.notifications == queued)
        #expect(outbox.nextSequence == 5)
    }

    @Test func aSeverityChangeTellsTheOldResolvedAndTheNewFiringInOneNotification() throws {
        var outbox = Outbox()
        let a = Self.alert("p", .critical)
        let queued = outbox.route(
            [AlertEvent(kind: .severityChanged, alert: a, previousSeverity: .warning)], to: [Self.receiver("r")], firing: [a], now: Self.t0)
        let n = try #require(queued.first)
        #expect(n.alerts.map(\.status) == [.resolved, .firing])
        #expect(n.alerts.map(\.severity) == [.warning, .critical])
    }

    @Test func alertmanagerGetsNoRepeatsButEveryFiringAlertOncePerResendInterval() {
        let am = Self.receiver("am", .alertmanager) { $0.resendInterval = .seconds(60) }
        var outbox = Outbox()
        let a = Self.alert("p")
        let b = Self.alert("q", .critical)
        // The first change: the firing event, then the resend of everything firing.
        let first = outbox.route([AlertEvent(kind: .firing, alert: a)], to: [am], firing: [b, a], now: Self.t0)
        #expect(first.map(\.isResend) == [false, true])
        #expect(first[1].alerts.map(\.pool) == ["p", "q"], "sorted by key")
        // A repeat 30 s later: not to Alertmanager, and no resend yet.
        #expect(outbox.route([AlertEvent(kind: .repeated, alert: a)], to: [am], firing: [a, b], now: Self.t0 + 30).isEmpty)
        // At 60 s the resend replaces the one not yet attempted.
        let again = outbox.route([], to: [am], firing: [a, b], now: Self.t0 + 60)
        #expect(again.map(\.isResend) == [true])
        #expect(outbox.notifications.filter(\.isResend).map(\.sequence) == [again[0].sequence])
        // An announcement (a pool grown) is no reason to resend.
        #expect(outbox.route([], to: [am], firing: [a], now: Self.t0 + 200, announcement: true).isEmpty)
    }

    @Test func aResendAlreadyTriedIsNotReplaced() throws {
        let am = Self.receiver("am", .alertmanager)
        var outbox = Outbox()
        let a = Self.alert("p")
        let queued = outbox.route([], to: [am], firing: [a], now: Self.t0)
        let first = try #require(queued.first)
        _ = outbox.settle(first.id, .retry(after: .seconds(5), reason: "HTTP 503"), now: Self.t0)
        _ = outbox.route([], to: [am], firing: [a], now: Self.t0 + 61)
        #expect(outbox.notifications.count == 2, "the attempted one stays queued in its place")
    }

    @Test func anAttemptRetriesOrTakesTheNotificationOut() throws {
        var outbox = Outbox()
        let a = Self.alert("p")
        let queued = outbox.route([AlertEvent(kind: .firing, alert: a)], to: [Self.receiver("r")], firing: [a], now: Self.t0)
        let n = try #require(queued.first)
        #expect(outbox.next(for: "r", at: Self.t0)?.id == n.id)
        let settled = outbox.settle(n.id, .retry(after: .seconds(2), reason: "HTTP 500"), now: Self.t0)
        let retried = try #require(settled)
        #expect(retried.attempts == 1)
        #expect(retried.lastError == "HTTP 500")
        #expect(outbox.due(for: "r") == Self.t0 + 2)
        #expect(outbox.next(for: "r", at: Self.t0 + 1) == nil, "not due yet")
        #expect(outbox.next(for: "r", at: Self.t0 + 2)?.attempts == 1)
        #expect(outbox.settle(n.id, .delivered, now: Self.t0 + 2)?.attempts == 2)
        #expect(outbox.notifications.isEmpty)
        #expect(outbox.settle(n.id, .delivered, now: Self.t0 + 3) == nil, "settled once")
    }

    @Test func aSavedOutboxIsSortedAndNeverReusesASequence() {
        let a = Self.alert("p")
        let n5 = AlertNotification(sequence: 5, receiver: "r", alerts: [NotifiedAlert(a, status: .firing)], createdAt: Self.t0)
        let n3 = AlertNotification(sequence: 3, receiver: "r", alerts: [NotifiedAlert(a, status: .firing)], createdAt: Self.t0)
        var outbox = Outbox(saved: [n5, n3], nextSequence: 2, lastResend: [:])
        #expect(outbox.notifications.map(\.sequence) == [3, 5])
        #expect(outbox.nextSequence == 6)
        #expect(outbox.drop(receiversOtherThan: ["other"]).map(\.sequence) == [3, 5])
        #expect(outbox.notifications.isEmpty)
    }
}
