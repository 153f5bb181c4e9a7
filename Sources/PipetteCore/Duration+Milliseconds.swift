extension Duration {
    /// Whole milliseconds, rounded down (for replies, heartbeats and logs).
    public var wholeMilliseconds: Int {
        Int(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
    }
}
