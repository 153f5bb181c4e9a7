/// Where work goes: Diego's auction scheduler (`cloudfoundry/auction`, `auctionrunner/scheduler.go`)
/// as a pure function of a batch and the cells' last heartbeats.
///
/// The batch is ordered like Diego's `SortableLRPAuctions` and `SortableTaskAuctions`: LRP instances
/// first, by index (every app's instance 0 before any instance 1), then by memory, largest first; then
/// tasks by memory, largest first; ids break ties. (Diego runs the tasks between the index-0 LRPs and
/// the others; here all LRPs go first.)
///
/// Each item then goes to the best candidate cell, and later items see it there:
/// - candidates have the work's stack and every tag it asks for, are neither evacuating nor excluded
///   for it, and have room for its `need`;
/// - the lowest score wins: the cell's resource use after taking the work (Diego's
///   `rep.CellState.ComputeScore`) plus ``localityOffset`` per task on the cell, for a task, or per
///   instance of the same app on the cell, for an LRP (Diego's `ScoreForTask` and `ScoreForLRP`);
/// - an LRP only looks at the zones holding the fewest instances of its app that have a candidate;
///   zones with equal counts compete together (Diego's zone sort in `scheduleLRPAuction`);
/// - equal scores go to the smallest cell id, so the result does not depend on the order of `cells`.
public enum Placement {
    /// Diego's `auctionrunner.LocalityOffset`. A resource score is at most 1, so one more task (or one
    /// more instance of the same app) on a cell always outweighs how full the cell is.
    public static let localityOffset = 1000.0

    /// Places `work` on `cells`; `excluding` maps a work id to the ids of cells that must not get it
    /// (cells that rejected it, cells that were lost).
    public static func place(_ work: [Work], on cells: [CellState], excluding: [String: Set<String>] = [:]) -> PlacementResult {
        var apps: [String: Int] = [:]
        let bids = work.sorted(by: precedes).map { item -> Bid in
            guard item.kind == .lrp else { return .task(item) }
            if let app = apps[item.appID] { return .lrp(item, app: app) }
            apps[item.appID] = apps.count
            return .lrp(item, app: apps.count - 1)
        }
        var board = Board(cells: cells, apps: apps)
        var result = PlacementResult(placed: [], failed: [], cells: cells)
        result.placed.reserveCapacity(bids.count)
        for bid in bids {
            let excluded = excluding.isEmpty ? [] : excluding[bid.work.id] ?? []
            switch board.place(bid, excluding: excluded) {
            case .success(let position):
                result.placed.append(Assignment(work: bid.work, cellID: cells[position].id))
                result.cells[position].charge(bid.work)
            case .failure(let error):
                result.failed.append(PlacementResult.Failure(work: bid.work, error: error))
            }
        }
        return result
    }

    /// Diego's batch order: LRPs by index, then memory (largest first); then tasks by memory; then id.
    static func precedes(_ a: Work, _ b: Work) -> Bool {
        switch (a.kind, b.kind) {
        case (.lrp, .task): true
        case (.task, .lrp): false
        case (.lrp, .lrp): (a.index, -a.need.memoryMB, a.id) < (b.index, -b.need.memoryMB, b.id)
        case (.task, .task): (-a.need.memoryMB, a.id) < (-b.need.memoryMB, b.id)
        }
    }

    /// Diego's `rep.CellState.ComputeScore`: the mean fraction of memory, disk and containers `cell`
    /// would have in use after taking `need`. Lower is emptier.
    static func resourceScore(of cell: CellState, after need: Resources) -> Double {
        Meter(total: cell.total).score(leaving: cell.available - need)
    }
}

extension Placement {
    /// One item of the batch; an LRP carries its app's number within the batch.
    fileprivate enum Bid {
        case task(Work)
        case lrp(Work, app: Int)

        var work: Work {
            switch self {
            case .task(let work), .lrp(let work, _): work
            }
        }
    }

    /// Resource use for one cell's totals, with the divisions done once.
    fileprivate struct Meter {
        private let perMemoryMB: Double
        private let perDiskMB: Double
        private let perContainer: Double
        /// How many of the three resources the cell has any of.
        private let metered: Double

        init(total: Resources) {
            let amounts = [total.memoryMB, total.diskMB, total.containers]
            let per = amounts.map { $0 > 0 ? 1 / Double($0) : 0 }
            perMemoryMB = per[0]
            perDiskMB = per[1]
            perContainer = per[2]
            metered = Double(amounts.filter { $0 > 0 }.count)
        }

        /// The mean over memory, disk and containers of `1 - left / total`; a resource with a zero
        /// total counts as unused.
        func score(leaving left: Resources) -> Double {
            (metered - Double(left.memoryMB) * perMemoryMB - Double(left.diskMB) * perDiskMB
                - Double(left.containers) * perContainer) / 3
        }
    }

    /// The batch's view of the cells while it is placed, laid out for the scoring loops. Cells are
    /// numbered by "slot", their rank by id, so scanning slots in order breaks ties by id.
    fileprivate struct Board {
        struct Slot {
            var free: Resources
            var tasks: Int
            let meter: Meter
            let zone: Int
            let evacuating: Bool
            /// Where the cell is in the caller's `cells`.
            let position: Int
        }

        /// The slots with a stack and tags, in slot order; `available` leaves out evacuating cells.
        struct Group {
            let matching: [Int]
            let available: [Int]
        }

        struct GroupKey: Hashable {
            let stack: String
            let tags: [String: String]
        }

        /// Where one app's instances are: by slot (only slots holding some), and by zone.
        struct Spread {
            var perSlot: [Int: Int] = [:]
            var perZone: [Int]
        }

        private let cells: [CellState]
        private var slots: [Slot]
        private var groups: [GroupKey: Group] = [:]
        private var spreads: [Spread]
        /// Scratch for one LRP: its app's instances by slot, zero elsewhere.
        private var instancesHere: [Int]
        /// Scratch for one LRP: the best slot and score in each zone.
        private var zoneBest: [(slot: Int, score: Double)?]

        /// `apps` numbers the apps of the batch's LRPs.
        init(cells: [CellState], apps: [String: Int]) {
            self.cells = cells
            var zones: [String: Int] = [:]
            for cell in cells where zones[cell.zone] == nil { zones[cell.zone] = zones.count }
            let order = cells.indices.sorted { (cells[$0].id, $0) < (cells[$1].id, $1) }
            slots = order.map { position in
                let cell = cells[position]
                return Slot(free: cell.available, tasks: cell.tasks, meter: Meter(total: cell.total),
                            zone: zones[cell.zone] ?? 0, evacuating: cell.evacuating, position: position)
            }
            // Diego leaves evacuating cells out of its zones, so instances there do not count.
            spreads = Array(repeating: Spread(perZone: Array(repeating: 0, count: zones.count)), count: apps.count)
            for (slot, position) in order.enumerated() where !cells[position].evacuating {
                for (appID, count) in cells[position].instances where count > 0 {
                    guard let app = apps[appID] else { continue }
                    spreads[app].perSlot[slot] = count
                    spreads[app].perZone[slots[slot].zone] += count
                }
            }
            instancesHere = Array(repeating: 0, count: cells.count)
            zoneBest = Array(repeating: nil, count: zones.count)
        }

        /// The winning cell's position in `cells`, already charged with the work.
        mutating func place(_ bid: Bid, excluding excluded: Set<String>) -> Result<Int, PlacementError> {
            let work = bid.work
            let group = group(for: work)
            var candidates = group.available
            if !excluded.isEmpty { candidates.removeAll { excluded.contains(cells[slots[$0].position].id) } }
            let winner = switch bid {
            case .task: bestForTask(work.need, among: candidates)
            case .lrp(_, let app): bestForLRP(work.need, app: app, among: candidates)
            }
            guard let winner else { return .failure(diagnose(work, group: group, excluding: excluded)) }
            take(bid, on: winner)
            return .success(slots[winner].position)
        }

        private func bestForTask(_ need: Resources, among candidates: [Int]) -> Int? {
            var best: Int?
            var bestScore = Double.infinity
            for s in candidates where slots[s].free.fits(need) {
                let slot = slots[s]
                let score = slot.meter.score(leaving: slot.free - need) + Placement.localityOffset * Double(slot.tasks)
                if score < bestScore {
                    best = s
                    bestScore = score
                }
            }
            return best
        }

        private mutating func bestForLRP(_ need: Resources, app: Int, among candidates: [Int]) -> Int? {
            let held = spreads[app].perSlot
            for (s, count) in held { instancesHere[s] = count }
            defer { for s in held.keys { instancesHere[s] = 0 } }
            for zone in zoneBest.indices { zoneBest[zone] = nil }
            for s in candidates where slots[s].free.fits(need) {
                let slot = slots[s]
                let score = slot.meter.score(leaving: slot.free - need) + Placement.localityOffset * Double(instancesHere[s])
                if zoneBest[slot.zone].map({ score < $0.score }) ?? true { zoneBest[slot.zone] = (s, score) }
            }
            // Zones with fewer instances of the app first; equal counts compete on score, then id.
            var best: (instances: Int, score: Double, slot: Int)?
            for (zone, candidate) in zoneBest.enumerated() {
                guard let candidate else { continue }
                let key = (instances: spreads[app].perZone[zone], score: candidate.score, slot: candidate.slot)
                if best.map({ key < $0 }) ?? true { best = key }
            }
            return best?.slot
        }

        private mutating func take(_ bid: Bid, on s: Int) {
            slots[s].free = slots[s].free - bid.work.need
            switch bid {
            case .task:
                slots[s].tasks += 1
            case .lrp(_, let app):
                spreads[app].perSlot[s, default: 0] += 1
                spreads[app].perZone[slots[s].zone] += 1
            }
        }

        private mutating func group(for work: Work) -> Group {
            let key = GroupKey(stack: work.stack, tags: work.tags)
            if let group = groups[key] { return group }
            let matching = slots.indices.filter {
                let cell = cells[slots[$0].position]
                return cell.has(stack: work.stack) && cell.matches(tags: work.tags)
            }
            let group = Group(matching: matching, available: matching.filter { !slots[$0].evacuating })
            groups[key] = group
            return group
        }

        /// The first constraint that left no candidate: stack, tags, availability, then resources.
        private func diagnose(_ work: Work, group: Group, excluding excluded: Set<String>) -> PlacementError {
            guard !cells.isEmpty else { return .noCells(stack: work.stack) }
            guard !group.matching.isEmpty else {
                let withStack = cells.filter { $0.has(stack: work.stack) }.count
                guard withStack > 0 else {
                    let seen = Set(cells.flatMap { $0.stacks.map(\.name) }).sorted()
                    return .noCellWithStack(stack: work.stack, cells: cells.count, stacksSeen: seen)
                }
                return .noCellWithTags(stack: work.stack, tags: work.tags, cellsWithStack: withStack)
            }
            var shortfall = PlacementError.Shortfall()
            for s in group.matching {
                let slot = slots[s]
                if slot.evacuating {
                    shortfall.evacuating += 1
                } else if excluded.contains(cells[slot.position].id) {
                    shortfall.excluded += 1
                } else {
                    shortfall.record(free: slot.free, need: work.need)
                }
            }
            guard shortfall.lacking > 0 else {
                return .noAvailableCell(stack: work.stack, tags: work.tags, evacuating: shortfall.evacuating,
                                        excluded: shortfall.excluded)
            }
            return .insufficientResources(stack: work.stack, tags: work.tags, need: work.need, shortfall: shortfall)
        }
    }
}

extension PlacementError.Shortfall {
    /// Counts a cell under the first resource it lacks: memory, disk, then containers.
    fileprivate mutating func record(free: Resources, need: Resources) {
        if free.memoryMB < need.memoryMB {
            memory.add(free: free.memoryMB)
        } else if free.diskMB < need.diskMB {
            disk.add(free: free.diskMB)
        } else if free.containers < need.containers {
            containers.add(free: free.containers)
        }
    }
}

extension PlacementError.Shortfall.Lack {
    fileprivate mutating func add(free: Int) {
        mostFree = cells == 0 ? free : max(mostFree, free)
        cells += 1
    }
}

extension CellState {
    /// Charges the cell with placed work, as its next heartbeat would.
    fileprivate mutating func charge(_ work: Work) {
        available = available - work.need
        switch work.kind {
        case .task: tasks += 1
        case .lrp: instances[work.appID, default: 0] += 1
        }
    }
}

extension Placement {
    /// Whether `work` could be placed once capacity frees up: some cell that is not leaving has its
    /// stack and tags and a *total* large enough. Work that could is kept waiting; work that
    /// could never fit fails at once.
    public static func couldEverFit(_ work: Work, on cells: [CellState]) -> Bool {
        cells.contains { !$0.evacuating && $0.has(stack: work.stack) && $0.matches(tags: work.tags) && $0.total.fits(work.need) }
    }
}
