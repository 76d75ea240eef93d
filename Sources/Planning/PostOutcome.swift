/// What became of one POST.
public enum PostOutcome: Sendable, Equatable {
    /// A response arrived (whatever its status).
    case response(status: Int, body: String, seconds: Double)
    /// No response: refused, timed out, TLS failure...
    case failed(message: String, seconds: Double)
}
