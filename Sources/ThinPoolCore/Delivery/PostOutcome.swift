/// What became of one delivery: a POST, or a command receiver's program.
public enum PostOutcome: Sendable, Equatable {
    /// A response arrived (whatever its status).
    case response(status: Int, body: String, seconds: Double)
    /// No response: refused, timed out, TLS failure...
    case failed(message: String, seconds: Double)
    /// A command receiver's program ran: it exited 0, or `report` says how it ended.
    case program(succeeded: Bool, report: String, seconds: Double)
}
