import Foundation
import TestSupport
import Testing
import ThinPoolCore

@testable import Alerting

/// libcurl through the shim, against a real HTTP receiver (Tests/Tools/receiver.py).
@Suite struct CurlPosterTests {
    func request(_ url: String) -> OutgoingRequest {
        OutgoingRequest(url: url, headers: [("Content-Type", "application/json")], body: Array("{\"a\":1}".utf8))
    }

    @Test func postsAndReportsWhatCameBack() throws {
        let ok = try Receiver()
        let poster = CurlPoster()
        poster.warmUp()
        guard case .response(let status, _, _) = poster.post(request(ok.url), timeout: .seconds(5), caFile: nil) else {
            Issue.record("no response")
            return
        }
        #expect(status == 200)
        #expect(ok.requests.first?["body"] as? String == "{\"a\":1}")
        let failing = try Receiver(fail: 1, failStatus: 503)
        guard case .response(let s503, _, _) = poster.post(request(failing.url), timeout: .seconds(5), caFile: nil) else {
            Issue.record("no response")
            return
        }
        #expect(s503 == 503)
    }

    @Test func aClosedPortOrASilentReceiverIsAFailure() throws {
        let port = try freePort()
        guard case .failed(let message, _) = CurlPoster().post(request("http://127.0.0.1:\(port)/"), timeout: .seconds(2), caFile: nil)
        else {
            Issue.record("a closed port answered")
            return
        }
        #expect(message.lowercased().contains("connect"), "\(message)")
        let silent = try Receiver(hang: 1)
        let start = ContinuousClock.now
        guard case .failed = CurlPoster().post(request(silent.url), timeout: .milliseconds(500), caFile: nil) else {
            Issue.record("a receiver that never answers answered")
            return
        }
        #expect(ContinuousClock.now - start < .seconds(3), "the timeout holds")
    }
}
