import NATS
import PipetteCore

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
    /// The converger, too, waits this long after starting (and after NATS reconnects) before it
    /// acts, so instances of cells it has not heard yet do not look missing.
    public var startupGrace: Duration = .seconds(6)

    // The converger (runs only with `blobstore` set).

    /// The blobstore holding the droplets: Pipette's (`http://127.0.0.1:8081`, signing with
    /// `PIPETTE_BLOBSTORE_SECRET`) or an S3 bucket (presigned URLs). Set, it turns the converger
    /// on: it keeps the apps of the `pipette_apps` bucket running on cells.
    public var blobstore: BlobstoreLocation?
    /// How long a signed droplet URL handed to a cell stays valid.
    public var dropletURLLifetime: Duration = .seconds(3600)
    /// Time between convergence passes (a pass also runs soon after a cell reports a change).
    public var convergeInterval: Duration = .seconds(2)
    /// How long after a cell reports a change the pass runs, gathering the reports around it.
    public var convergeDebounce: Duration = .milliseconds(200)
    /// The same after an app's desired state was written (push, scale, stop, delete): there are no
    /// cells' reports to gather, only the writes of one command (a push writes more than once).
    public var appChangeDebounce: Duration = .milliseconds(20)
    /// Life of the converger lock's value in the `pipette_locks` bucket: when the holder dies,
    /// another auctioneer converges within about this long. Set when the bucket is created.
    public var lockTTL: Duration = .seconds(6)
    /// When crashed instances are restarted (Diego's defaults).
    public var crashPolicy: CrashPolicy = .diego
    /// At most this many instances are started per pass; the rest go in the next pass, which
    /// follows at once. One pass places 10,000 instances on 1,000 cells in well under a second,
    /// with one perform request per cell; smaller bounds cost a request per cell per pass.
    public var maxStartsPerPass = Self.defaultMaxStartsPerPass

    /// Enough for one perform request per cell to carry all its starts in a large pass.
    public static let defaultMaxStartsPerPass = 10_000
    /// An instance offered to a cell counts as starting until the cell reports it or this passes.
    public var inFlightTimeout: Duration = .seconds(15)
    /// The same placement error of an app is logged at most once per this long.
    public var placementErrorLogInterval: Duration = .seconds(60)
    /// Names this auctioneer in the converger lock and status (default: a random id).
    public var auctioneerID: String?

    public init(natsURI: String = "nats://127.0.0.1:4222", batchWindow: Duration = .zero,
                performTimeout: Duration = .seconds(5), missedHeartbeats: Int = 3, maxPending: Int = 10_000) {
        self.natsURI = natsURI
        self.batchWindow = batchWindow
        self.performTimeout = performTimeout
        self.missedHeartbeats = missedHeartbeats
        self.maxPending = maxPending
    }
}
