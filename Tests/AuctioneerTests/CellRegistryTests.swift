@testable import Auctioneer
import PipetteCore
import Testing

@Suite("Cell registry")
struct CellRegistryTests {
    static func state(_ id: String, intervalMs: Int = 1000) -> CellState {
        CellState(id: id, zone: "z1", stacks: [.init(name: "tiny-amd64", arch: .amd64)],
                  total: Resources(memoryMB: 1024, diskMB: 1024, containers: 2), heartbeatIntervalMs: intervalMs)
    }

    @Test func aCellThatMissesThreeHeartbeatsIsGone() {
        let registry = CellRegistry(missedHeartbeats: 3)
        let start = ContinuousClock.now
        #expect(registry.update(Self.state("slow", intervalMs: 1000), at: start))
        #expect(registry.update(Self.state("fast", intervalMs: 100), at: start))
        #expect(!registry.update(Self.state("fast", intervalMs: 100), at: start + .milliseconds(200)), "known cells are not new")
        #expect(registry.expire(at: start + .milliseconds(450)).isEmpty, "250 ms of silence is less than 3 × 100 ms")
        let lost = registry.expire(at: start + .milliseconds(600))
        #expect(lost.map(\.id) == ["fast"])
        #expect(lost.first?.silence == .milliseconds(400))
        #expect(registry.snapshot().map(\.id) == ["slow"])
        #expect(registry.expire(at: start + .milliseconds(3001)).map(\.id) == ["slow"])
        #expect(registry.snapshot().isEmpty)
    }

    @Test func theAuctioneersOwnAccountHoldsUntilTheNextHeartbeat() {
        let registry = CellRegistry(missedHeartbeats: 3)
        registry.update(Self.state("c1"))
        let work = Work(id: "t1", kind: .task, appID: "a", stack: "tiny-amd64",
                        need: Resources(memoryMB: 1000, diskMB: 10, containers: 1))
        let result = Placement.place([work], on: registry.snapshot())
        registry.apply(result.cells)
        #expect(registry.snapshot().first?.available.memoryMB == 24)
        #expect(Placement.place([work], on: registry.snapshot()).failed.count == 1, "a second batch sees the cell full")
        registry.update(Self.state("c1"))
        #expect(registry.snapshot().first?.available.memoryMB == 1024, "the cell's heartbeat is the truth again")
        #expect(registry.remove("c1"))
        #expect(!registry.remove("c1"))
    }
}
