/// Asks the auctioneer to place one Task; `exclude` names cells that must not get it (a cell
/// that was lost while running an earlier attempt).
public struct TaskPlacementRequest: Codable, Sendable, Equatable {
    public var task: TaskDefinition
    public var exclude: [String]

    public init(task: TaskDefinition, exclude: [String] = []) {
        self.task = task
        self.exclude = exclude
    }
}
