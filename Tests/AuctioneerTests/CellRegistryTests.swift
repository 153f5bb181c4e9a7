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

    static func report(_ guid: String, _ state: InstanceReport.State, cell: String = "c1") -> InstanceReport {
        InstanceReport(instanceGUID: guid, app: "web", appGUID: "g", index: 0, release: 1, cellID: cell, state: state,
                       host: "h", since: 0)
    }

    @Test func heartbeatsSayWhenTheirInstancesChanged() {
        let registry = CellRegistry(missedHeartbeats: 3)
        var state = Self.state("c1")
        #expect(registry.take(state) == .init(joined: true, instancesChanged: false))
        state.lrps = [Self.report("a", .starting), Self.report("b", .running)]
        #expect(registry.take(state) == .init(instancesChanged: true))
        state.lrps.reverse()
        #expect(registry.take(state) == .init(), "the same instances in another order are no change")
        state.lrps[0].state = .crashed
        #expect(registry.take(state).instancesChanged)
        state.evacuating = true
        #expect(registry.take(state).instancesChanged)
    }

    @Test func instanceReportsBetweenHeartbeatsUpdateTheCell() {
        let registry = CellRegistry(missedHeartbeats: 3)
        registry.update(Self.state("c1"))
        #expect(registry.record(Self.report("a", .starting)))
        #expect(!registry.record(Self.report("a", .starting)), "no change")
        #expect(registry.record(Self.report("a", .running)))
        #expect(!registry.record(Self.report("x", .running, cell: "unknown")))
        #expect(registry.snapshot().first?.lrps.map(\.state) == [.running])
    }

    @Test func aPassSummaryNamesWhatItDid() {
        let definition = InstanceDefinition(instanceGUID: "g", app: "sinatra", appGUID: "a", index: 0, release: 1,
                                            stack: "s", dropletURL: "", dropletSHA256: "", dropletSize: 0,
                                            startCommand: "", memoryMB: 1, diskMB: 1)
        let waiting = [RestartWait(app: "x", index: 0, crashCount: 3, restartAt: 128, lastCrashReason: nil)]
        let line = Converger.summary(started: [(definition, "c1")], stopped: 1, forgot: 0, deferred: 0, waiting: waiting, now: 100.5)
        #expect(line == "converge: started 1 (sinatra/0 on c1), stopped 1, 1 waiting on crash backoff (next in 28 s)")
    }
}
