import Foundation

/// What to do after an attempt: pure, so retries and give-ups are table-tested.
public enum DeliveryDecision: Sendable, Equatable {
    case delivered
    /// Try again after this long.
    case retry(after: Duration, reason: String)
    /// The receiver refused it for good (4xx other than 408/429): retrying would not help.
    case rejected(reason: String)
    /// Undelivered for longer than the receiver's max_age.
    case expired(reason: String)
}

public enum DeliveryPolicy {
    /// `attempts` counts the attempt just made; `age` is the notification's age; `random` is in
    /// [0, 1) (jitter).
    public static func decide(
        _ outcome: PostOutcome, attempts: Int, age: Duration, receiver: ReceiverConfig,
        random: Double
    ) -> DeliveryDecision {
        let reason: String
        switch outcome {
        case .response(let status, let body, _) where (200..<300).contains(status):
            _ = body
            return .delivered
        case .response(let status, let body, _) where status == 408 || status == 429 || status >= 500:
            reason = "HTTP \(status)\(snippet(body))"
        case .response(let status, let body, _):
            return .rejected(
                reason: "HTTP \(status)\(snippet(body))\(status >= 300 && status < 400 ? " (redirects are not followed)" : "")")
        case .failed(let message, _):
            reason = message
        case .program(let succeeded, let report, _):
            // Not run again: a program that failed may have done part of its work, and running
            // it again is the operator's call. Logged with its output and counted.
            return succeeded ? .delivered : .rejected(reason: report)
        }
        let delay = backoff(attempts: attempts, receiver: receiver, random: random)
        if age + delay > receiver.maxAge {
            return .expired(reason: "undelivered after \(attempts) attempts over \(Int(age.seconds))s; last: \(reason)")
        }
        return .retry(after: delay, reason: reason)
    }

    /// Exponential backoff with jitter: the n-th retry waits between half and all of
    /// min(max, initial x 2^(n-1)).
    public static func backoff(attempts: Int, receiver: ReceiverConfig, random: Double) -> Duration {
        let base = min(receiver.retryMax.seconds, receiver.retryInitial.seconds * pow(2, Double(max(0, attempts - 1))))
        let jittered = base * (0.5 + 0.5 * min(max(random, 0), 1))
        return .milliseconds(Int64((jittered * 1000).rounded()))
    }

    static func snippet(_ body: String) -> String {
        let t = body.trimmingCharacters(in: .whitespacesAndNewlines)
        return t.isEmpty ? "" : ": " + String(t.prefix(200))
    }
}
