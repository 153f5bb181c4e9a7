/// What a cell says about itself in every heartbeat (`pipette.cell.heartbeat`), and what the
/// auctioneer places work against.
public struct CellState: Codable, Sendable, Equatable {
    /// A stack the cell has built and can run, with its arch.
    public struct AdvertisedStack: Codable, Sendable, Equatable, Hashable {
        public var name: String
        public var arch: Arch

        public init(name: String, arch: Arch) {
            self.name = name
            self.arch = arch
        }
    }

    public var id: String
    public var zone: String
    public var stacks: [AdvertisedStack]
    /// Placement tags (`--tag k=v`); work that asks for tags only lands on cells having them all.
    public var tags: [String: String]
    public var total: Resources
    public var available: Resources
    /// Tasks (staging) running or reserved on the cell.
    public var tasks: Int
    /// LRP instances on the cell, by app id (crashed ones left out).
    public var instances: [String: Int]
    /// Every app instance the cell holds or still reports as crashed.
    public var lrps: [InstanceReport]
    /// An evacuating cell takes no new work.
    public var evacuating: Bool
    /// How often the cell heartbeats; the auctioneer drops it after three missed.
    public var heartbeatIntervalMs: Int
    /// The cell's latest change `lrps` reflects (nil from cells that do not tag their reports).
    public var modificationTag: ModificationTag?

    public init(id: String, zone: String, stacks: [AdvertisedStack], tags: [String: String] = [:],
                total: Resources, available: Resources? = nil, tasks: Int = 0, instances: [String: Int] = [:],
                lrps: [InstanceReport] = [], evacuating: Bool = false, heartbeatIntervalMs: Int = 2000) {
        self.id = id
        self.zone = zone
        self.stacks = stacks
        self.tags = tags
        self.total = total
        self.available = available ?? total
        self.tasks = tasks
        self.instances = instances
        self.lrps = lrps
        self.evacuating = evacuating
        self.heartbeatIntervalMs = heartbeatIntervalMs
    }

    public func has(stack: String) -> Bool { stacks.contains { $0.name == stack } }

    /// True when every required tag is on the cell with the same value.
    public func matches(tags required: [String: String]) -> Bool {
        required.allSatisfy { tags[$0.key] == $0.value }
    }

    enum CodingKeys: String, CodingKey {
        case id, zone, stacks, tags, total, available, tasks, instances, lrps, evacuating
        case heartbeatIntervalMs = "heartbeat_interval_ms"
        case modificationTag = "modification_tag"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        zone = try c.decode(String.self, forKey: .zone)
        stacks = try c.decode([AdvertisedStack].self, forKey: .stacks)
        tags = try c.decodeIfPresent([String: String].self, forKey: .tags) ?? [:]
        total = try c.decode(Resources.self, forKey: .total)
        available = try c.decodeIfPresent(Resources.self, forKey: .available) ?? total
        tasks = try c.decodeIfPresent(Int.self, forKey: .tasks) ?? 0
        instances = try c.decodeIfPresent([String: Int].self, forKey: .instances) ?? [:]
        lrps = try c.decodeIfPresent([InstanceReport].self, forKey: .lrps) ?? []
        evacuating = try c.decodeIfPresent(Bool.self, forKey: .evacuating) ?? false
        heartbeatIntervalMs = try c.decodeIfPresent(Int.self, forKey: .heartbeatIntervalMs) ?? 2000
        modificationTag = try c.decodeIfPresent(ModificationTag.self, forKey: .modificationTag)
    }
}
