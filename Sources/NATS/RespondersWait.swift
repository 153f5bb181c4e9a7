/// How long to wait before asking again when a request met no responders: 0.1 s, doubling up to
/// 1 s, while the next ask still falls within `grace` of the first refusal (the responder may be
/// reconnecting after its NATS node was lost, or still starting).
public struct RespondersWait: Sendable {
    public let grace: Duration
    private var first: ContinuousClock.Instant?
    private var pause = Duration.milliseconds(100)

    public init(grace: Duration) { self.grace = grace }

    /// True before the first refusal was counted.
    public var isFirst: Bool { first == nil }

    /// The pause before the next ask, or nil when the grace is over.
    public mutating func next() -> Duration? {
        let now = ContinuousClock.now
        let since = first ?? now
        first = since
        guard now - since + pause < grace else { return nil }
        defer { pause = min(pause * 2, .seconds(1)) }
        return pause
    }
}
