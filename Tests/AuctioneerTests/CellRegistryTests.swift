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

    static func tagged(_ report: InstanceReport, _ index: Int, epoch: String = "run-1") -> InstanceReport {
        var report = report
        report.modificationTag = ModificationTag(epoch: epoch, index: index)
        return report
    }

    static func heartbeat(_ lrps: [InstanceReport], _ index: Int, epoch: String = "run-1") -> CellState {
        var state = Self.state("c1")
        state.lrps = lrps
        state.modificationTag = ModificationTag(epoch: epoch, index: index)
        return state
    }

    /// Heartbeats and instance reports are read by different tasks: a heartbeat made before an
    /// instance started can be read after the report that it started. Taking it as the whole truth
    /// made the converger start the instance again (a duplicate, seen in CI as a third stop).
    @Test func aHeartbeatMadeBeforeAReportReadAfterItDoesNotUndoIt() {
        let registry = CellRegistry(missedHeartbeats: 3)
        registry.update(Self.heartbeat([], 0))
        #expect(registry.record(Self.tagged(Self.report("a", .starting), 1)))
        let stale = registry.take(Self.heartbeat([], 0))
        #expect(!stale.instancesChanged, "the older heartbeat changes nothing")
        #expect(registry.snapshot().first?.lrps.map(\.instanceGUID) == ["a"], "the instance is still known")
        // A newer heartbeat is the truth again, whatever it holds.
        _ = registry.take(Self.heartbeat([Self.tagged(Self.report("a", .running), 2)], 2))
        #expect(registry.snapshot().first?.lrps.map(\.state) == [.running])
        _ = registry.take(Self.heartbeat([], 3))
        #expect(registry.snapshot().first?.lrps.isEmpty == true, "stopped since")
    }

    @Test func aReportOlderThanWhatIsKnownIsIgnored() {
        let registry = CellRegistry(missedHeartbeats: 3)
        registry.update(Self.heartbeat([Self.tagged(Self.report("a", .running), 2)], 2))
        #expect(!registry.record(Self.tagged(Self.report("a", .starting), 1)), "the heartbeat already says running")
        #expect(registry.record(Self.tagged(Self.report("a", .crashed), 3)))
        #expect(!registry.record(Self.tagged(Self.report("a", .running), 2)), "a report read after a newer one")
        #expect(registry.snapshot().first?.lrps.map(\.state) == [.crashed])
        // Untagged reports (from a cell that does not tag) are taken as they come.
        #expect(registry.record(Self.report("a", .running)))
    }

    @Test func aRestartedCellsHeartbeatReplacesReportsOfItsLastRun() {
        let registry = CellRegistry(missedHeartbeats: 3)
        registry.update(Self.heartbeat([], 5))
        #expect(registry.record(Self.tagged(Self.report("a", .running), 9)))
        _ = registry.take(Self.heartbeat([], 1, epoch: "run-2"))
        #expect(registry.snapshot().first?.lrps.isEmpty == true, "tags of another run are not compared")
        #expect(registry.record(Self.tagged(Self.report("b", .starting), 2, epoch: "run-2")))
        #expect(registry.snapshot().first?.lrps.map(\.instanceGUID) == ["b"])
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
