/// Asks the auctioneer to place one Task; `exclude` names cells that must not get it (a cell
/// that was lost while running an earlier attempt).
public struct TaskPlacementRequest: Codable, Sendable, Equatable {
    public var task: TaskDefinition
    public var exclude: [String]
    /// Seconds the Task may wait for a cell with room when every cell that could take it is full
    /// right now (nil or 0: fail at once). Waiting Tasks are placed in arrival order per stack.
    public var waitSeconds: Int?

    public init(task: TaskDefinition, exclude: [String] = [], waitSeconds: Int? = nil) {
        self.task = task
        self.exclude = exclude
        self.waitSeconds = waitSeconds
    }

    enum CodingKeys: String, CodingKey {
        case task, exclude
        case waitSeconds = "wait_seconds"
    }
}
