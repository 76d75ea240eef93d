/// What a rule found about a pool right now.
public struct Condition: Sendable, Equatable {
    public init(severity: Severity, summary: String, description: String, value: Double? = nil) {
        self.severity = severity
        self.summary = summary
        self.description = description
        self.value = value
    }

    public var severity: Severity
    /// One line with the numbers in words.
    public var summary: String
    /// More detail: what it means and what to do.
    public var description: String
    /// The measured value (a ratio, seconds...), for receivers that want it.
    public var value: Double?
}
