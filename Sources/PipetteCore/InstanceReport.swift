/// What a cell says about one app instance it holds (Diego's actual LRP), in every heartbeat
/// (`CellState.lrps`) and on `Subjects.instanceChanged` when its state changes.
public struct InstanceReport: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable {
        /// Accepted: the droplet is being fetched or the app has not passed its health check yet.
        case starting
        /// Passed its health check and is being checked periodically.
        case running
        /// Exited or failed its health check; the container is gone and holds no resources.
        /// The converger restarts it (elsewhere, as a new instance) by the crash policy.
        case crashed
    }

    public var instanceGUID: String
    public var app: String
    public var appGUID: String
    public var index: Int
    public var release: Int
    public var cellID: String
    public var state: State
    /// The address the instance is reachable at from other hosts (the cell's advertised host).
    public var host: String
    /// The host port that forwards to the app's `$PORT`; nil until the network is up.
    public var port: Int?
    /// Unix seconds when the instance entered `state`.
    public var since: Double
    /// Crashes of this app index (see `CrashPolicy`).
    public var crashCount: Int
    /// Why it last crashed: `exit status 1`, `killed: out of memory`, `health check failed: …`.
    public var lastCrashReason: String?
    /// The cell's change that made this report (nil from cells that do not tag their reports).
    public var modificationTag: ModificationTag?

    public init(instanceGUID: String, app: String, appGUID: String, index: Int, release: Int, cellID: String,
                state: State, host: String, port: Int? = nil, since: Double, crashCount: Int = 0,
                lastCrashReason: String? = nil) {
        self.instanceGUID = instanceGUID
        self.app = app
        self.appGUID = appGUID
        self.index = index
        self.release = release
        self.cellID = cellID
        self.state = state
        self.host = host
        self.port = port
        self.since = since
        self.crashCount = crashCount
        self.lastCrashReason = lastCrashReason
    }

    /// `http://host:port`, once the instance has a port.
    public var url: String? { port.map { "http://\(host):\($0)" } }

    enum CodingKeys: String, CodingKey {
        case app, index, release, state, host, port, since
        case instanceGUID = "instance_guid"
        case appGUID = "app_guid"
        case cellID = "cell_id"
        case crashCount = "crash_count"
        case lastCrashReason = "last_crash_reason"
        case modificationTag = "modification_tag"
    }
}
