import ArgumentParser
import Foundation
import PipetteCore

/// Auction placement on a simulated fleet: `Placement.place` (Diego's scores and zone spread) against a
/// baseline that puts each item on a uniformly random cell having its stack and room (Diego's old
/// `random` auction), on the same cells and work, fed in the same batches.
struct AuctionBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auction", abstract: "Placement.place vs a random feasible cell, on simulated cells.")

    @Option(help: "Simulated cells over 3 zones: 60% amd64, 40% arm64, all alike in capacity.")
    var cells = 1000

    @Option(help: "Apps, each on one stack, in proportion to the cells.")
    var apps = 100

    @Option(help: "LRP instances per app.")
    var instances = 100

    @Option(help: "Memory per instance in MB; a list (256,512,1024) gives apps these sizes in turn.")
    var memory = "512"

    @Option(help: "Tasks (staging), stacks in proportion to the cells.")
    var tasks = 1000

    @Option(help: "Work items per Placement.place call.")
    var batch = 1000

    @Option(help: "Rounds of each, interleaved.")
    var rounds = 3

    func validate() throws {
        guard cells > 0, batch > 0, rounds > 0, apps >= 0, instances >= 0, tasks >= 0 else {
            throw ValidationError("--cells, --batch and --rounds must be positive, the rest not negative")
        }
        guard !sizes.isEmpty, sizes.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--memory takes sizes in MB separated by commas, like 256,512,1024")
        }
    }

    func run() throws {
        let fleet = Self.fleet(cells)
        let batches = work().chunked(batch)
        let total = batches.reduce(0) { $0 + $1.count }
        var timing = Timing()
        var auction = Run(cells: fleet), random = Run(cells: fleet)
        for round in 0..<rounds {
            timing.candidate.append(Timing.seconds { auction = Self.auction(batches, on: fleet) })
            timing.baseline.append(Timing.seconds { random = Self.random(batches, on: fleet, seed: UInt64(round)) })
        }

        let arm = fleet.filter { $0.stacks.first?.arch == .arm64 }.count
        print("auction: \(cells) cells (\(cells - arm) amd64, \(arm) arm64) in 3 zones; \(apps) apps x \(instances) instances"
            + " of \(memory) MB + \(tasks) tasks = \(total) placements in batches of \(batch); \(rounds) rounds")
        print("Placement.place: \(Self.speed(timing.candidate, placements: total)); \(auction.failed) failed")
        print("baseline, a uniformly random cell with the stack and room (no scores, no zones): "
            + "\(Self.speed(timing.baseline, placements: total)); \(random.failed) failed")
        let ratio = Timing.median(timing.candidate) / max(Timing.median(timing.baseline), 1e-9)
        print(String(format: "Placement.place vs random feasible cell: %.2f× the time (medians)", ratio))
        print("balance, LRP instances per cell (goal: within ±1 of the mean):")
        for (name, run) in [("Placement.place", auction), ("random", random)] {
            print("  \(name.padding(toLength: 16, withPad: " ", startingAt: 0))\(run.balance)")
        }
        print("memory in use per cell (what Diego's resource score evens out):")
        for (name, run) in [("Placement.place", auction), ("random", random)] {
            print("  \(name.padding(toLength: 16, withPad: " ", startingAt: 0))\(run.memoryInUse)")
        }
        print("per zone, instances / tasks:")
        for (name, run) in [("Placement.place", auction), ("random", random)] {
            print("  \(name.padding(toLength: 16, withPad: " ", startingAt: 0))\(run.zones)")
        }
        print("apps split evenly over zones (±1): Placement.place \(auction.appsEvenOverZones) of \(apps), "
            + "random \(random.appsEvenOverZones) of \(apps)")
        print("most instances of one app on one cell: Placement.place \(auction.mostOfOneAppOnACell), "
            + "random \(random.mostOfOneAppOnACell)")
    }

    /// Cells `cell-0000`…: zones round-robin, 3 in 5 amd64 (tiny-amd64, bookworm-amd64), the rest arm64.
    private static func fleet(_ count: Int) -> [CellState] {
        (0..<count).map { i in
            let arch: Arch = i % 5 < 3 ? .amd64 : .arm64
            let stacks = ["tiny", "bookworm"].map { CellState.AdvertisedStack(name: "\($0)-\(arch)", arch: arch) }
            return CellState(id: String(format: "cell-%04d", i), zone: "z\(i % 3 + 1)", stacks: stacks,
                             total: Resources(memoryMB: 32768, diskMB: 102_400, containers: 250))
        }
    }

    private var sizes: [Int] { memory.split(separator: ",").compactMap { Int($0) } }

    /// Every app's instances and the tasks, shuffled (the order work reaches the auctioneer).
    private func work() -> [Work] {
        func stack(_ n: Int) -> String { "\(n % 2 == 0 ? "tiny" : "bookworm")-\(n % 5 < 3 ? "amd64" : "arm64")" }
        var work: [Work] = []
        for app in 0..<apps {
            let need = Resources(memoryMB: sizes[app % sizes.count], diskMB: 1024, containers: 1)
            work += (0..<instances).map {
                Work(id: "app-\(app)/\($0)", kind: .lrp, appID: "app-\(app)", index: $0, stack: stack(app), need: need)
            }
        }
        work += (0..<tasks).map {
            Work(id: "task-\($0)", kind: .task, appID: "staging-\($0)", stack: stack($0),
                 need: Resources(memoryMB: 1024, diskMB: 2048, containers: 1))
        }
        var generator = SplitMix64(seed: 42)
        work.shuffle(using: &generator)
        return work
    }

    private static func auction(_ batches: [[Work]], on fleet: [CellState]) -> Run {
        var run = Run(cells: fleet)
        for batch in batches {
            let result = Placement.place(batch, on: run.cells)
            run.cells = result.cells
            run.failed += result.failed.count
        }
        return run
    }

    /// The baseline, with the same per-batch stack index and bookkeeping an auctioneer needs anyway.
    private static func random(_ batches: [[Work]], on fleet: [CellState], seed: UInt64) -> Run {
        var run = Run(cells: fleet)
        var generator = SplitMix64(seed: seed)
        for batch in batches {
            var byStack: [String: [Int]] = [:]
            for (i, cell) in run.cells.enumerated() where !cell.evacuating {
                for stack in cell.stacks { byStack[stack.name, default: []].append(i) }
            }
            for item in batch {
                let feasible = byStack[item.stack, default: []].filter { run.cells[$0].available.fits(item.need) }
                guard let i = feasible.randomElement(using: &generator) else {
                    run.failed += 1
                    continue
                }
                run.cells[i].available = run.cells[i].available - item.need
                switch item.kind {
                case .task: run.cells[i].tasks += 1
                case .lrp: run.cells[i].instances[item.appID, default: 0] += 1
                }
            }
        }
        return run
    }

    /// `best 0.050 s (220000 placements/s), median …`.
    private static func speed(_ seconds: [Double], placements: Int) -> String {
        let best = seconds.min() ?? 0, median = Timing.median(seconds)
        func rate(_ s: Double) -> Double { s > 0 ? Double(placements) / s : 0 }
        return String(format: "best %.3f s (%.0f placements/s), median %.3f s (%.0f placements/s)",
                      best, rate(best), median, rate(median))
    }

    /// The cells after one way of placing everything, and what they show.
    private struct Run {
        var cells: [CellState]
        var failed = 0

        /// Per arch: cells, mean LRP instances per cell, the largest distance from it.
        var balance: String {
            Arch.allCases.compactMap { arch -> String? in
                let counts = cells.filter { $0.stacks.first?.arch == arch }.map { $0.instances.values.reduce(0, +) }
                guard !counts.isEmpty else { return nil }
                let mean = Double(counts.reduce(0, +)) / Double(counts.count)
                let deviation = counts.map { abs(Double($0) - mean) }.max() ?? 0
                return "\(arch): \(counts.count) cells, mean " + String(format: "%.2f, largest deviation %.2f", mean, deviation)
                    + " (\(counts.min() ?? 0)…\(counts.max() ?? 0))"
            }.joined(separator: "; ")
        }

        /// Per arch: the least and most memory in use on a cell, as a share of its total.
        var memoryInUse: String {
            Arch.allCases.compactMap { arch -> String? in
                let used = cells.filter { $0.stacks.first?.arch == arch }.map {
                    100 * Double($0.total.memoryMB - $0.available.memoryMB) / Double(max($0.total.memoryMB, 1))
                }
                guard let least = used.min(), let most = used.max() else { return nil }
                return "\(arch) " + String(format: "%.1f%%…%.1f%%", least, most)
            }.joined(separator: "; ")
        }

        var zones: String {
            var instances: [String: Int] = [:], tasks: [String: Int] = [:]
            for cell in cells {
                instances[cell.zone, default: 0] += cell.instances.values.reduce(0, +)
                tasks[cell.zone, default: 0] += cell.tasks
            }
            return instances.keys.sorted().map { "\($0) \(instances[$0] ?? 0) / \(tasks[$0] ?? 0)" }.joined(separator: ", ")
        }

        /// Apps whose instance counts per zone differ by at most one.
        var appsEvenOverZones: Int {
            var perZone: [String: [String: Int]] = [:]
            let zones = Set(cells.map(\.zone))
            for cell in cells {
                for (app, count) in cell.instances { perZone[app, default: [:]][cell.zone, default: 0] += count }
            }
            return perZone.values.filter { counts in
                let all = zones.map { counts[$0] ?? 0 }
                return (all.max() ?? 0) - (all.min() ?? 0) <= 1
            }.count
        }

        var mostOfOneAppOnACell: Int {
            cells.compactMap { $0.instances.values.max() }.max() ?? 0
        }
    }

    /// A small seeded generator, so every run shuffles the work alike.
    private struct SplitMix64: RandomNumberGenerator {
        private var state: UInt64

        init(seed: UInt64) { state = seed }

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}

extension Array {
    /// Consecutive slices of at most `size` elements.
    fileprivate func chunked(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
