/// Memory, disk and container slots: what a cell has free and what a piece of work needs.
public struct Resources: Codable, Sendable, Equatable, Hashable {
    public var memoryMB: Int
    public var diskMB: Int
    public var containers: Int

    public init(memoryMB: Int, diskMB: Int, containers: Int) {
        self.memoryMB = memoryMB
        self.diskMB = diskMB
        self.containers = containers
    }

    public static let zero = Resources(memoryMB: 0, diskMB: 0, containers: 0)

    /// True when `need` fits in these resources.
    public func fits(_ need: Resources) -> Bool {
        need.memoryMB <= memoryMB && need.diskMB <= diskMB && need.containers <= containers
    }

    public static func - (lhs: Resources, rhs: Resources) -> Resources {
        Resources(memoryMB: lhs.memoryMB - rhs.memoryMB, diskMB: lhs.diskMB - rhs.diskMB,
                  containers: lhs.containers - rhs.containers)
    }

    public static func + (lhs: Resources, rhs: Resources) -> Resources {
        Resources(memoryMB: lhs.memoryMB + rhs.memoryMB, diskMB: lhs.diskMB + rhs.diskMB,
                  containers: lhs.containers + rhs.containers)
    }

    enum CodingKeys: String, CodingKey {
        case memoryMB = "memory_mb"
        case diskMB = "disk_mb"
        case containers
    }
}
