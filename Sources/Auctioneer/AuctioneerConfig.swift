import NATS

/// Settings of `pipette auctioneer`.
public struct AuctioneerConfig: Sendable {
    public var natsURI: String
    /// Credentials beyond the URL (an nkey seed file).
    public var natsOptions = NATSOptions()
    /// Extra time to gather placement requests into one batch. With none (Diego's way), a batch
    /// is what arrived while the previous auction ran, so bursts batch and a lone request waits
    /// for nothing.
    public var batchWindow: Duration
    /// How long a cell may take to answer a perform request before the work goes elsewhere.
    public var performTimeout: Duration
    /// A cell that misses this many heartbeats in a row is gone.
    public var missedHeartbeats: Int
    /// Placement requests waiting beyond this many are answered "busy" at once.
    public var maxPending: Int
    /// Tasks that may wait for a cell with room at once; beyond this many they are answered "busy".
    public var maxWaiting = 10_000
    /// For this long after starting, a Task for a stack no known cell has may wait for one (cells
    /// heartbeat every 2 s, so a new auctioneer hears them all within a few seconds).
    public var startupGrace: Duration = .seconds(6)

    public init(natsURI: String = "nats://127.0.0.1:4222", batchWindow: Duration = .zero,
                performTimeout: Duration = .seconds(5), missedHeartbeats: Int = 3, maxPending: Int = 10_000) {
        self.natsURI = natsURI
        self.batchWindow = batchWindow
        self.performTimeout = performTimeout
        self.missedHeartbeats = missedHeartbeats
        self.maxPending = maxPending
    }
}
