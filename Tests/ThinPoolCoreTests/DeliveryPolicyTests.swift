import Testing
import ThinPoolCore

@Suite struct DeliveryPolicyTests {
    let receiver: ReceiverConfig = {
        var r = ReceiverConfig(name: "r", kind: .webhook, url: .value("http://x"))
        r.retryInitial = .seconds(1)
        r.retryMax = .seconds(60)
        r.maxAge = .seconds(3600)
        return r
    }()

    func decide(_ o: PostOutcome, attempts: Int = 1, age: Duration = .zero, random: Double = 1) -> DeliveryDecision {
        DeliveryPolicy.decide(o, attempts: attempts, age: age, receiver: receiver, random: random)
    }

    @Test func outcomes() {
        #expect(decide(.response(status: 200, body: "", seconds: 0)) == .delivered)
        #expect(decide(.response(status: 204, body: "", seconds: 0)) == .delivered)
        for s in [408, 429, 500, 502, 503] {
            guard case .retry = decide(.response(status: s, body: "", seconds: 0)) else {
                Issue.record("\(s) not retried")
                continue
            }
        }
        guard case .retry(_, let why) = decide(.failed(message: "Connection refused", seconds: 0)) else {
            Issue.record("network")
            return
        }
        #expect(why == "Connection refused")
        #expect(decide(.response(status: 400, body: "bad payload", seconds: 0)) == .rejected(reason: "HTTP 400: bad payload"))
        #expect(decide(.response(status: 404, body: "", seconds: 0)) == .rejected(reason: "HTTP 404"))
        #expect(decide(.response(status: 301, body: "", seconds: 0)) == .rejected(reason: "HTTP 301 (redirects are not followed)"))
    }

    @Test func exponentialBackoffWithJitterAndACap() {
        let full = (1...9).map { DeliveryPolicy.backoff(attempts: $0, receiver: receiver, random: 1) }
        #expect(full == [1, 2, 4, 8, 16, 32, 60, 60, 60].map { Duration.seconds($0) })
        #expect(DeliveryPolicy.backoff(attempts: 3, receiver: receiver, random: 0) == .seconds(2))
        #expect(DeliveryPolicy.backoff(attempts: 3, receiver: receiver, random: 0.5) == .seconds(3))
    }

    @Test func givesUpAfterMaxAge() {
        guard case .expired = decide(.response(status: 503, body: "", seconds: 0), attempts: 40, age: .seconds(3590)) else {
            Issue.record("not expired")
            return
        }
    }

    /// A receiver down for ten minutes of simulated time, then up: the attempts a notification
    /// gets, and that it is delivered once at the end.
    @Test func tenMinutesDownThenUp() {
        var t = Duration.zero
        var attempts = 0
        var delivered = 0
        while t < .seconds(3600) {
            attempts += 1
            let up = t >= .seconds(600)
            switch decide(
                up ? .response(status: 200, body: "", seconds: 0) : .response(status: 503, body: "", seconds: 0),
                attempts: attempts, age: t, random: 0.5)
            {
            case .delivered:
                delivered += 1
                t = .seconds(3600)
            case .retry(let after, _): t += after
            default:
                Issue.record("gave up at \(t)")
                t = .seconds(3600)
            }
        }
        #expect(delivered == 1)
        // Waits of 0.75, 1.5, 3, 6, 12, 24, then 45 s (60 s capped, x0.75): the 20th attempt, at
        // 632 s, is the first after the receiver came back.
        #expect(attempts == 20)
    }
}
