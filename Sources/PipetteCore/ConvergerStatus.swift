/// What the converger holding the lock answers on `Subjects.convergerStatus`: the last pass's
/// result, for `pipette app` and operators.
public struct ConvergerStatus: Codable, Sendable, Equatable {
    /// The auctioneer that converges (holds the `pipette_locks` lock).
    public var holder: String
    /// Unix seconds of the last pass; nil before the first.
    public var lastPassAt: Double?
    /// How long the last pass took, in seconds (reading the apps, planning, placing, offering).
    public var lastPassSeconds: Double?
    /// Crashed instances waiting on their crash backoff, with the time they may restart.
    public var waiting: [RestartWait]
    /// Crashed instances not restarted any more (past the policy's `maxRestarts`).
    public var gaveUp: [RestartWait]
    /// Why instances of an app could not be placed in the last pass, by app name.
    public var placementErrors: [String: String]
    /// Instances offered to cells that no cell has reported yet.
    public var inFlight: Int

    public init(holder: String, lastPassAt: Double? = nil, waiting: [RestartWait] = [], gaveUp: [RestartWait] = [],
                placementErrors: [String: String] = [:], inFlight: Int = 0) {
        self.holder = holder
        self.lastPassAt = lastPassAt
        self.waiting = waiting
        self.gaveUp = gaveUp
        self.placementErrors = placementErrors
        self.inFlight = inFlight
    }

    enum CodingKeys: String, CodingKey {
        case holder, waiting
        case lastPassAt = "last_pass_at"
        case lastPassSeconds = "last_pass_seconds"
        case gaveUp = "gave_up"
        case placementErrors = "placement_errors"
        case inFlight = "in_flight"
    }
}
