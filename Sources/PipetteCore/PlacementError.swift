/// Why the auctioneer could not place a piece of work, naming the first constraint that left no cell
/// (stack, then tags, then availability, then resources) with the counts behind it.
public enum PlacementError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No cell has sent a heartbeat.
    case noCells(stack: String)
    /// No known cell advertises the stack; `stacksSeen` are the stacks the known cells do advertise.
    case noCellWithStack(stack: String, cells: Int, stacksSeen: [String])
    /// Cells have the stack but none has every tag the work asks for.
    case noCellWithTags(stack: String, tags: [String: String], cellsWithStack: Int)
    /// Every cell with the stack and tags is evacuating or excluded for this work.
    case noAvailableCell(stack: String, tags: [String: String], evacuating: Int, excluded: Int)
    /// Cells with the stack and tags are there, but none has room for `need`.
    case insufficientResources(stack: String, tags: [String: String], need: Resources, shortfall: Shortfall)

    /// What kept each cell having the stack and tags from taking the work. A cell lacking several
    /// resources counts under the first of memory, disk, containers.
    public struct Shortfall: Equatable, Sendable {
        /// How many cells lack one resource, and the most of it any of them has free.
        public struct Lack: Equatable, Sendable {
            public var cells: Int
            public var mostFree: Int

            public init(cells: Int = 0, mostFree: Int = 0) {
                self.cells = cells
                self.mostFree = mostFree
            }
        }

        public var memory: Lack
        public var disk: Lack
        public var containers: Lack
        public var evacuating: Int
        public var excluded: Int

        public init(memory: Lack = Lack(), disk: Lack = Lack(), containers: Lack = Lack(), evacuating: Int = 0,
                    excluded: Int = 0) {
            self.memory = memory
            self.disk = disk
            self.containers = containers
            self.evacuating = evacuating
            self.excluded = excluded
        }

        /// Cells that were candidates but lacked a resource.
        public var lacking: Int { memory.cells + disk.cells + containers.cells }

        /// Every cell accounted for.
        public var cells: Int { lacking + evacuating + excluded }
    }

    public var description: String {
        switch self {
        case .noCells(let stack):
            return "found no compatible cell for stack \(stack) "
                + "(0 cells: no cell has sent a heartbeat; start one with `pipette cell`)"
        case .noCellWithStack(let stack, let cells, let stacksSeen):
            let seen = stacksSeen.isEmpty ? "none" : stacksSeen.joined(separator: ", ")
            return "found no compatible cell for stack \(stack) (\(Self.count(cells, "cell")): 0 have it; stacks seen: \(seen))"
        case .noCellWithTags(let stack, let tags, let cellsWithStack):
            let which = cellsWithStack == 1 ? "1 cell has the stack, not those tags"
                : "\(cellsWithStack) cells have the stack, none has those tags"
            return "found no compatible cell for \(Self.describe(stack: stack, tags: tags)) (\(which))"
        case .noAvailableCell(let stack, let tags, let evacuating, let excluded):
            let matching = evacuating + excluded
            let reasons = Self.unavailable(evacuating: evacuating, excluded: excluded).joined(separator: ", ")
            return "found no available cell for \(Self.describe(stack: stack, tags: tags)) "
                + "(\(Self.count(matching, "cell")) \(matching == 1 ? "matches" : "match"): \(reasons))"
        case .insufficientResources(let stack, let tags, let need, let shortfall):
            return "insufficient resources: " + Self.describe(shortfall, need: need, stack: stack, tags: tags)
        }
    }

    /// `3 cells have stack S, all lack memory (…)` when one resource is the reason, else
    /// `3 cells have stack S; 2 lack memory (…), 1 lacks containers (…), 1 evacuating`.
    private static func describe(_ shortfall: Shortfall, need: Resources, stack: String, tags: [String: String]) -> String {
        let lacks: [(Shortfall.Lack, String)] = [
            (shortfall.memory, "memory (need \(need.memoryMB) MB, most free \(shortfall.memory.mostFree) MB)"),
            (shortfall.disk, "disk (need \(need.diskMB) MB, most free \(shortfall.disk.mostFree) MB)"),
            (shortfall.containers, "containers (need \(need.containers), most free \(shortfall.containers.mostFree))"),
        ]
        let total = shortfall.cells
        var subject = "\(count(total, "cell")) \(total == 1 ? "has" : "have") stack \(stack)"
        if !tags.isEmpty { subject += " and tags \(list(tags))" }
        let lacking = lacks.filter { $0.0.cells > 0 }
        if let only = lacking.first, only.0.cells == total {
            return "\(subject), \(total == 1 ? "it lacks" : "all lack") \(only.1)"
        }
        let reasons = lacking.map { "\($0.0.cells) \($0.0.cells == 1 ? "lacks" : "lack") \($0.1)" }
            + unavailable(evacuating: shortfall.evacuating, excluded: shortfall.excluded)
        return "\(subject); \(reasons.joined(separator: ", "))"
    }

    /// `1 evacuating`, `2 excluded`: the cells that were not candidates, when there are any.
    private static func unavailable(evacuating: Int, excluded: Int) -> [String] {
        [(evacuating, "evacuating"), (excluded, "excluded")].filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }
    }

    private static func describe(stack: String, tags: [String: String]) -> String {
        tags.isEmpty ? "stack \(stack)" : "stack \(stack) with tags \(list(tags))"
    }

    /// `k=v` pairs sorted by key.
    private static func list(_ tags: [String: String]) -> String {
        tags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
    }

    private static func count(_ n: Int, _ noun: String) -> String {
        n == 1 ? "1 \(noun)" : "\(n) \(noun)s"
    }
}
