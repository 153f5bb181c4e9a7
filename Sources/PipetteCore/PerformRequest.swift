/// The auctioneer (or the converger) asks a cell to run staging Tasks and app instances; the cell
/// reserves capacity for each atomically and answers by id (task id or instance guid).
public struct PerformRequest: Codable, Sendable, Equatable {
    public var tasks: [TaskDefinition]
    public var lrps: [InstanceDefinition]

    public init(tasks: [TaskDefinition] = [], lrps: [InstanceDefinition] = []) {
        self.tasks = tasks
        self.lrps = lrps
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        tasks = try container.decodeIfPresent([TaskDefinition].self, forKey: .tasks) ?? []
        lrps = try container.decodeIfPresent([InstanceDefinition].self, forKey: .lrps) ?? []
    }
}
