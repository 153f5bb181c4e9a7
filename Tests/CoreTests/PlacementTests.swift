@testable import PipetteCore
import Testing

@Suite("Placement")
struct PlacementTests {
    // MARK: Filters

    @Test func workOnlyLandsOnCellsWithItsStack() {
        let cells = [
            cell("amd", stacks: ["tiny-amd64"], free: Resources(memoryMB: 1024, diskMB: 4096, containers: 10)),
            cell("arm", stacks: ["tiny-arm64"]),
        ]
        let result = Placement.place([task("t-amd", stack: "tiny-amd64"), task("t-arm", stack: "tiny-arm64")], on: cells)
        #expect(winners(result) == ["t-amd": "amd", "t-arm": "arm"])
        #expect(result.failed.isEmpty)
    }

    @Test func workWithTagsOnlyLandsOnCellsHavingThemAll() {
        let cells = [
            cell("a", tags: ["pool": "pi"]),
            cell("b", tags: ["pool": "pi", "disk": "ssd"], free: Resources(memoryMB: 1024, diskMB: 4096, containers: 10)),
            cell("c", tags: ["pool": "x86", "disk": "ssd"]),
        ]
        let work = [task("t", tags: ["pool": "pi", "disk": "ssd"]), task("u")]
        #expect(winners(Placement.place(work, on: cells)) == ["t": "b", "u": "a"])
    }

    @Test func aCellWithoutRoomIsSkippedAndTheNextTakesTheWork() {
        let room = Resources(memoryMB: 512, diskMB: 1024, containers: 1)
        let cells = [
            cell("a", free: Resources(memoryMB: 256, diskMB: 8192, containers: 10)),
            cell("b", free: room, tasks: 1),
            cell("c", free: room, tasks: 2),
        ]
        let result = Placement.place([task("t1"), task("t2")], on: cells)
        // Without the room check `a` (no tasks) would win both; `b` is full after t1.
        #expect(winners(result) == ["t1": "b", "t2": "c"])
    }

    @Test func evacuatingAndExcludedCellsGetNothing() {
        let cells = [cell("a", evacuating: true), cell("b"), cell("c", tasks: 1)]
        let result = Placement.place([task("t")], on: cells, excluding: ["t": ["b"]])
        #expect(winners(result) == ["t": "c"])
    }

    // MARK: Scores

    @Test func theResourceScoreIsDiegosMeanFractionInUse() {
        let state = cell("a", total: Resources(memoryMB: 1000, diskMB: 1000, containers: 10),
                         free: Resources(memoryMB: 500, diskMB: 1000, containers: 10))
        let score = Placement.resourceScore(of: state, after: Resources(memoryMB: 100, diskMB: 0, containers: 1))
        #expect(abs(score - (0.6 + 0 + 0.1) / 3) < 1e-12)
        let unmetered = cell("b", total: Resources(memoryMB: 1000, diskMB: 0, containers: 10))
        #expect(abs(Placement.resourceScore(of: unmetered, after: Resources(memoryMB: 500, diskMB: 0, containers: 5)) - 1.0 / 3) < 1e-12)
    }

    @Test func theEmptierCellWins() {
        let cells = [cell("a", free: Resources(memoryMB: 2048, diskMB: 8192, containers: 10)), cell("b")]
        #expect(winners(Placement.place([lrp("app", 0), task("t")], on: cells)) == ["app/0": "b", "t": "b"])
    }

    @Test func aTaskAvoidsCellsRunningTasksEvenIfEmptier() {
        let cells = [
            cell("a", tasks: 1),
            cell("b", free: Resources(memoryMB: 1024, diskMB: 1024, containers: 1)),
        ]
        #expect(winners(Placement.place([task("t")], on: cells)) == ["t": "b"])
        let equal = [cell("a", tasks: 1), cell("b")]
        #expect(winners(Placement.place([task("t")], on: equal)) == ["t": "b"])
    }

    // MARK: Spreading LRPs

    @Test func instancesOfAnAppSpreadEvenlyOverCells() {
        let cells = (0..<10).map { cell("cell-\($0)", total: big) }
        let result = Placement.place((0..<100).map { lrp("web", $0) }, on: cells)
        #expect(result.failed.isEmpty)
        #expect(result.cells.map { $0.instances["web"] } == Array(repeating: 10, count: 10))
    }

    @Test func anLRPAvoidsCellsAlreadyRunningItsApp() {
        let cells = [cell("a", instances: ["web": 1]), cell("b", free: Resources(memoryMB: 1024, diskMB: 1024, containers: 1))]
        #expect(winners(Placement.place([lrp("web", 1), lrp("api", 0)], on: cells)) == ["web/1": "b", "api/0": "a"])
    }

    @Test func instancesOfAnAppSpreadEvenlyOverZonesOfDifferentSizes() {
        let cells = [cell("a1", zone: "a", total: big)]
            + (1...2).map { cell("b\($0)", zone: "b", total: big) }
            + (1...4).map { cell("c\($0)", zone: "c", total: big) }
        let result = Placement.place((0..<30).map { lrp("web", $0) }, on: cells)
        var perZone: [String: Int] = [:]
        for state in result.cells { perZone[state.zone, default: 0] += state.instances["web", default: 0] }
        #expect(perZone == ["a": 10, "b": 10, "c": 10])
    }

    @Test func aZoneWithoutRoomLetsTheNextZoneTakeTheInstance() {
        let cells = [cell("a1", zone: "a", free: .zero), cell("b1", zone: "b", instances: ["web": 1])]
        #expect(winners(Placement.place([lrp("web", 1)], on: cells)) == ["web/1": "b1"])
    }

    // MARK: Determinism and order

    @Test func equalScoresGoToTheSmallestCellIDWhateverTheCellOrder() {
        let cells = ["c", "a", "b"].map { cell($0) }
        #expect(winners(Placement.place([task("t")], on: cells)) == ["t": "a"])
        #expect(winners(Placement.place([task("t")], on: cells.reversed())) == ["t": "a"])
    }

    @Test func theResultDoesNotDependOnTheCellOrder() {
        let cells = (0..<12).map {
            cell("cell-\($0)", zone: "z\($0 % 3)", stacks: [$0 % 4 == 0 ? "tiny-arm64" : "tiny-amd64"], total: big,
                 free: Resources(memoryMB: 16384 - 512 * ($0 % 5), diskMB: 65536, containers: 100))
        }
        let work = (0..<20).flatMap { [lrp("web", $0), lrp("arm", $0, stack: "tiny-arm64")] } + (0..<10).map { task("t\($0)") }
        let expected = Placement.place(work, on: cells).placed
        #expect(expected.count == work.count)
        for rotation in [1, 5, 11] {
            let shuffled = Array(cells[rotation...] + cells[..<rotation]).reversed()
            #expect(Placement.place(work.reversed(), on: Array(shuffled)).placed == expected)
        }
    }

    @Test func theBatchIsPlacedLRPsByIndexThenMemoryThenTasksByMemory() {
        let work = [
            task("small", memoryMB: 128), lrp("b", 1), task("large", memoryMB: 1024), lrp("a", 1, memoryMB: 1024),
            lrp("c", 0, memoryMB: 128), lrp("b", 0),
        ]
        let order = Placement.place(work, on: [cell("a", total: big)]).placed.map(\.work.id)
        #expect(order == ["b/0", "c/0", "a/1", "b/1", "large", "small"])
    }

    @Test func theResultCellsIncludeWhatWasPlaced() {
        let cells = [cell("b", instances: ["web": 2]), cell("a", evacuating: true)]
        let need = Resources(memoryMB: 512, diskMB: 1024, containers: 1)
        let result = Placement.place([lrp("web", 2), task("t")], on: cells)
        #expect(result.cells[0].available == cells[0].available - need - need)
        #expect(result.cells[0].instances == ["web": 3])
        #expect(result.cells[0].tasks == 1)
        #expect(result.cells[1] == cells[1])
    }

    // MARK: Errors

    @Test func noCellWithTheStack() {
        let cells = [cell("a", stacks: ["tiny-amd64", "bookworm-amd64"]), cell("b", stacks: ["bookworm-amd64"]),
                     cell("c", stacks: ["tiny-amd64"]), cell("d", stacks: ["tiny-amd64"], evacuating: true)]
        #expect(failure(task("t", stack: "tiny-arm64"), on: cells)
            == "found no compatible cell for stack tiny-arm64 (4 cells: 0 have it; stacks seen: bookworm-amd64, tiny-amd64)")
    }

    @Test func noCellsAtAll() {
        #expect(failure(task("t", stack: "tiny-arm64"), on: [])
            == "found no compatible cell for stack tiny-arm64 (0 cells: no cell has sent a heartbeat; start one with `pipette cell`)")
    }

    @Test func noCellWithTheTags() {
        let cells = [cell("a", stacks: ["tiny-arm64"], tags: ["pool": "pi"]), cell("b", stacks: ["tiny-arm64"]),
                     cell("c", stacks: ["tiny-arm64"], tags: ["disk": "ssd"]), cell("d", tags: ["disk": "ssd", "pool": "pi"])]
        #expect(failure(task("t", stack: "tiny-arm64", tags: ["pool": "pi", "disk": "ssd"]), on: cells)
            == "found no compatible cell for stack tiny-arm64 with tags disk=ssd, pool=pi (3 cells have the stack, none has those tags)")
    }

    @Test func allCellsLackMemory() {
        let cells = [256, 128, 0].enumerated().map {
            cell("c\($0.offset)", stacks: ["tiny-arm64"], free: Resources(memoryMB: $0.element, diskMB: 8192, containers: 10))
        }
        #expect(failure(task("t", stack: "tiny-arm64", memoryMB: 512), on: cells)
            == "insufficient resources: 3 cells have stack tiny-arm64, all lack memory (need 512 MB, most free 256 MB)")
    }

    @Test func cellsLackDifferentResourcesCountedUnderTheFirst() {
        let cells = [
            cell("a", stacks: ["tiny-arm64"], free: Resources(memoryMB: 256, diskMB: 8192, containers: 10)),
            cell("b", stacks: ["tiny-arm64"], free: Resources(memoryMB: 128, diskMB: 0, containers: 0)),
            cell("c", stacks: ["tiny-arm64"], free: Resources(memoryMB: 4096, diskMB: 8192, containers: 0)),
        ]
        #expect(failure(task("t", stack: "tiny-arm64", memoryMB: 512), on: cells)
            == "insufficient resources: 3 cells have stack tiny-arm64; 2 lack memory (need 512 MB, most free 256 MB), 1 lacks containers (need 1, most free 0)")
    }

    @Test func oneCellLackingDisk() {
        let cells = [cell("a", stacks: ["tiny-arm64"], free: Resources(memoryMB: 4096, diskMB: 1024, containers: 10))]
        #expect(failure(task("t", stack: "tiny-arm64", diskMB: 2048), on: cells)
            == "insufficient resources: 1 cell has stack tiny-arm64, it lacks disk (need 2048 MB, most free 1024 MB)")
    }

    @Test func evacuatingAndExcludedCellsAreNamedWhenNothingFits() {
        let cells = [cell("a", stacks: ["tiny-arm64"], free: Resources(memoryMB: 256, diskMB: 8192, containers: 10)),
                     cell("b", stacks: ["tiny-arm64"], evacuating: true), cell("c", stacks: ["tiny-arm64"])]
        #expect(failure(task("t", stack: "tiny-arm64", memoryMB: 512), on: cells, excluding: ["t": ["c"]])
            == "insufficient resources: 3 cells have stack tiny-arm64; 1 lacks memory (need 512 MB, most free 256 MB), 1 evacuating, 1 excluded")
        #expect(failure(task("t", stack: "tiny-arm64", memoryMB: 512), on: Array(cells.dropFirst()), excluding: ["t": ["c"]])
            == "found no available cell for stack tiny-arm64 (2 cells match: 1 evacuating, 1 excluded)")
        #expect(failure(task("t", tags: ["pool": "pi"]), on: [cell("a", tags: ["pool": "pi"])], excluding: ["t": ["a"]])
            == "found no available cell for stack tiny-amd64 with tags pool=pi (1 cell matches: 1 excluded)")
    }

    @Test func resourcesWithTagsNameTheTags() {
        let cells = [cell("a", tags: ["pool": "pi"], free: Resources(memoryMB: 4096, diskMB: 8192, containers: 0))]
        let error = Placement.place([task("t", tags: ["pool": "pi"])], on: cells).failed.first?.error
        #expect(error == .insufficientResources(stack: "tiny-amd64", tags: ["pool": "pi"], need: need(),
                                                shortfall: .init(containers: .init(cells: 1, mostFree: 0))))
        #expect(error?.description
            == "insufficient resources: 1 cell has stack tiny-amd64 and tags pool=pi, it lacks containers (need 1, most free 0)")
    }

    @Test func failedWorkLeavesTheCellsAsTheyWere() {
        let cells = [cell("a", free: Resources(memoryMB: 256, diskMB: 8192, containers: 10))]
        let result = Placement.place([task("t"), lrp("web", 0)], on: cells)
        #expect(result.placed.isEmpty)
        #expect(result.failed.map(\.work.id) == ["web/0", "t"])
        #expect(result.cells == cells)
    }
}

// MARK: Helpers

private let big = Resources(memoryMB: 65536, diskMB: 262_144, containers: 250)

private func need(memoryMB: Int = 512, diskMB: Int = 1024) -> Resources {
    Resources(memoryMB: memoryMB, diskMB: diskMB, containers: 1)
}

private func cell(_ id: String, zone: String = "z1", stacks: [String] = ["tiny-amd64"], tags: [String: String] = [:],
                  total: Resources = Resources(memoryMB: 8192, diskMB: 16384, containers: 20), free: Resources? = nil,
                  tasks: Int = 0, instances: [String: Int] = [:], evacuating: Bool = false) -> CellState {
    let advertised = stacks.map { CellState.AdvertisedStack(name: $0, arch: $0.hasSuffix("arm64") ? .arm64 : .amd64) }
    return CellState(id: id, zone: zone, stacks: advertised, tags: tags, total: total, available: free, tasks: tasks,
                     instances: instances, evacuating: evacuating)
}

private func task(_ id: String, stack: String = "tiny-amd64", memoryMB: Int = 512, diskMB: Int = 1024,
                  tags: [String: String] = [:]) -> Work {
    Work(id: id, kind: .task, appID: id, stack: stack, need: need(memoryMB: memoryMB, diskMB: diskMB), tags: tags)
}

private func lrp(_ app: String, _ index: Int, stack: String = "tiny-amd64", memoryMB: Int = 512) -> Work {
    Work(id: "\(app)/\(index)", kind: .lrp, appID: app, index: index, stack: stack, need: need(memoryMB: memoryMB))
}

/// Work id → winning cell id.
private func winners(_ result: PlacementResult) -> [String: String] {
    Dictionary(uniqueKeysWithValues: result.placed.map { ($0.work.id, $0.cellID) })
}

/// The error text for one piece of work that must fail.
private func failure(_ work: Work, on cells: [CellState], excluding: [String: Set<String>] = [:]) -> String? {
    let result = Placement.place([work], on: cells, excluding: excluding)
    #expect(result.placed.isEmpty)
    return result.failed.first?.error.description
}
