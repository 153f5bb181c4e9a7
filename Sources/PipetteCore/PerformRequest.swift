/// The auctioneer asks a cell to run Tasks; the cell reserves capacity for each atomically.
public struct PerformRequest: Codable, Sendable, Equatable {
    public var tasks: [TaskDefinition]

    public init(tasks: [TaskDefinition]) { self.tasks = tasks }
}
