extension Duration {
    /// The duration in seconds as a Double (configured durations meet clock arithmetic here).
    public var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
