import Foundation
import PipetteCore
import Testing

/// Every rule of ``Convergence``, on hand-built apps and cell reports.
@Suite("Convergence")
struct ConvergenceTests {
    static let now = 1_800_000_000.0

    static func app(_ name: String, instances: Int = 1, releases: Int = 1, state: AppRecord.State = .started) -> AppRecord {
        var app = AppRecord(name: name, guid: "guid-\(name)", stack: "tiny-amd64", instances: instances, memoryMB: 64, diskMB: 64)
        for _ in 0..<releases {
            _ = app.append(AppRelease(number: 0, dropletKey: "droplets/\(name).tgz", dropletSHA256: "", dropletSize: 1,
                                      stack: "tiny-amd64", startCommand: "./run", detectedBuildpack: "binary", taskID: "t",
                                      createdAt: 0, createdBy: "test"))
        }
        app.state = state
        return app
    }

    static func report(_ guid: String, _ app: String, index: Int = 0, release: Int = 1, state: InstanceReport.State = .running,
                       cell: String = "c1", since: Double = now - 100, crashes: Int = 0) -> InstanceReport {
        InstanceReport(instanceGUID: guid, app: app, appGUID: "guid-\(app)", index: index, release: release, cellID: cell,
                       state: state, host: "10.0.0.1", since: since, crashCount: crashes,
                       lastCrashReason: state == .crashed ? "exit status 1" : nil)
    }

    static func cell(_ id: String, evacuating: Bool = false, _ lrps: [InstanceReport] = []) -> CellState {
        CellState(id: id, zone: "z1", stacks: [.init(name: "tiny-amd64", arch: .amd64)],
                  total: Resources(memoryMB: 4096, diskMB: 4096, containers: 100), lrps: lrps, evacuating: evacuating)
    }

    static func plan(_ apps: [AppRecord], _ cells: [CellState], inFlight: [InFlightStart] = [],
                     policy: CrashPolicy = .diego, now: Double = now) -> ConvergencePlan {
        Convergence.plan(apps: apps, cells: cells, inFlight: inFlight, policy: policy, now: now)
    }

    static func indexes(_ starts: [ConvergencePlan.Start]) -> [Int] { starts.map(\.index) }
    static func guids(_ stops: [ConvergencePlan.Stop]) -> Set<String> { Set(stops.map(\.instanceGUID)) }

    @Test func missingInstancesAreStarted() {
        let plan = Self.plan([Self.app("web", instances: 3)], [Self.cell("c1", [Self.report("a", "web", index: 1)])])
        #expect(Self.indexes(plan.starts) == [0, 2])
        #expect(plan.starts.allSatisfy { $0.app == "web" && $0.release == 1 && $0.crashCount == 0 && $0.cause == .missing })
        #expect(plan.stops.isEmpty && plan.forget.isEmpty)
    }

    @Test func satisfiedAppsNeedNothing() {
        let cells = [Self.cell("c1", [Self.report("a", "web", index: 0), Self.report("b", "web", index: 1, state: .starting)])]
        #expect(Self.plan([Self.app("web", instances: 2)], cells).isIdle)
    }

    @Test func aStartInFlightIsNotRepeated() {
        let inFlight = [InFlightStart(instanceGUID: "new", app: "web", index: 0, release: 1)]
        #expect(Self.plan([Self.app("web")], [Self.cell("c1")], inFlight: inFlight).isIdle)
        // In flight for an older release, it does not count: the current one is started.
        let stale = [InFlightStart(instanceGUID: "old", app: "web", index: 0, release: 1)]
        #expect(Self.indexes(Self.plan([Self.app("web", releases: 2)], [Self.cell("c1")], inFlight: stale).starts) == [0])
    }

    @Test func aStartInFlightThatACellReportsCountsByItsReport() {
        let inFlight = [InFlightStart(instanceGUID: "x", app: "web", index: 0, release: 1)]
        let crashed = [Self.cell("c1", [Self.report("x", "web", state: .crashed, since: Self.now, crashes: 1)])]
        let plan = Self.plan([Self.app("web")], crashed, inFlight: inFlight)
        #expect(plan.starts.map(\.crashCount) == [1], "reported crashed: restarted, not waited for")
        #expect(Self.guids(plan.forget) == ["x"])
    }

    @Test func indexesBeyondTheDesiredCountAreScaledDown() {
        let lrps = (0..<3).map { Self.report("i\($0)", "web", index: $0) } + [Self.report("c", "web", index: 2, state: .crashed)]
        let plan = Self.plan([Self.app("web", instances: 1)], [Self.cell("c1", lrps)])
        #expect(plan.starts.isEmpty)
        #expect(Self.guids(plan.stops) == ["i1", "i2"])
        #expect(plan.stops.allSatisfy { $0.reason == "scaled down" && $0.cellID == "c1" })
        #expect(Self.guids(plan.forget) == ["c"])
    }

    @Test func aStoppedAppsInstancesAreAllStopped() {
        let lrps = [Self.report("a", "web", index: 0), Self.report("b", "web", index: 1, state: .starting),
                    Self.report("c", "web", index: 2, state: .crashed)]
        let plan = Self.plan([Self.app("web", instances: 3, state: .stopped)], [Self.cell("c1", lrps)])
        #expect(plan.starts.isEmpty)
        #expect(Self.guids(plan.stops) == ["a", "b"])
        #expect(plan.stops.allSatisfy { $0.reason == "app stopped" })
        #expect(Self.guids(plan.forget) == ["c"])
    }

    @Test func aDeletedAppsInstancesAreAllStopped() {
        var recreated = Self.report("other-guid", "api")
        recreated.appGUID = "guid-of-an-older-api"
        let lrps = [Self.report("a", "gone"), Self.report("b", "gone", index: 1, state: .crashed), recreated,
                    Self.report("keep", "api", index: 0)]
        let plan = Self.plan([Self.app("api")], [Self.cell("c1", lrps)])
        #expect(Self.guids(plan.stops) == ["a", "other-guid"])
        #expect(plan.stops.allSatisfy { $0.reason == "app deleted" })
        #expect(Self.guids(plan.forget) == ["b"])
        #expect(plan.starts.isEmpty)
    }

    @Test func theFirstCrashesRestartAtOnceCarryingTheCount() {
        for crashes in 1...2 {
            let cells = [Self.cell("c1", [Self.report("x", "web", state: .crashed, since: Self.now, crashes: crashes)])]
            let plan = Self.plan([Self.app("web")], cells)
            #expect(plan.starts == [.init(app: "web", index: 0, release: 1, crashCount: crashes, cause: .crashed)])
            #expect(plan.forget == [.init(cellID: "c1", instanceGUID: "x", app: "web", index: 0, reason: "restarted")])
        }
    }

    @Test func laterCrashesWaitOnTheBackoff() {
        let crashedAt = Self.now - 10
        let cells = [Self.cell("c1", [Self.report("x", "web", state: .crashed, since: crashedAt, crashes: 3)])]
        let held = Self.plan([Self.app("web")], cells)
        #expect(held.isIdle)
        #expect(held.waiting == [RestartWait(app: "web", index: 0, crashCount: 3, restartAt: crashedAt + 30,
                                             lastCrashReason: "exit status 1")])
        let later = Self.plan([Self.app("web")], cells, now: crashedAt + 30)
        #expect(later.starts.map(\.crashCount) == [3])
        #expect(later.waiting.isEmpty)
    }

    @Test func pastMaxRestartsItStaysCrashed() {
        let cells = [Self.cell("c1", [Self.report("x", "web", state: .crashed, since: 0, crashes: 200)])]
        let plan = Self.plan([Self.app("web")], cells)
        #expect(plan.isIdle)
        #expect(plan.gaveUp.map(\.crashCount) == [200])
        #expect(plan.gaveUp.first?.restartAt == nil)
    }

    @Test func theMostCrashedReportOfAnIndexDecides() {
        let lrps = [Self.report("old", "web", state: .crashed, since: Self.now - 500, crashes: 1),
                    Self.report("new", "web", state: .crashed, since: Self.now, crashes: 4)]
        let plan = Self.plan([Self.app("web")], [Self.cell("c1", lrps)])
        #expect(plan.waiting.map(\.crashCount) == [4])
        #expect(Self.guids(plan.forget) == ["old"])
        #expect(plan.starts.isEmpty)
    }

    @Test func aCrashedReportBesideAHealthyInstanceIsForgotten() {
        let lrps = [Self.report("x", "web", state: .crashed, crashes: 1), Self.report("y", "web", state: .starting, cell: "c2")]
        let plan = Self.plan([Self.app("web")], [Self.cell("c1", [lrps[0]]), Self.cell("c2", [lrps[1]])])
        #expect(plan.starts.isEmpty)
        #expect(plan.forget.map(\.cellID) == ["c1"])
    }

    @Test func instancesOfALostCellCountAsMissing() {
        let before = [Self.cell("c1", [Self.report("a", "web", index: 0, cell: "c1")]),
                      Self.cell("c2", [Self.report("b", "web", index: 1, cell: "c2")])]
        #expect(Self.plan([Self.app("web", instances: 2)], before).isIdle)
        let after = Self.plan([Self.app("web", instances: 2)], [before[0]])
        #expect(Self.indexes(after.starts) == [1])
    }

    @Test func anEvacuatingCellsInstanceIsReplacedThenStopped() {
        let leaving = Self.report("old", "web", cell: "c1", crashes: 2)
        let first = Self.plan([Self.app("web")], [Self.cell("c1", evacuating: true, [leaving]), Self.cell("c2")])
        #expect(first.starts == [.init(app: "web", index: 0, release: 1, crashCount: 2, cause: .evacuation)])
        #expect(first.stops.isEmpty)

        let inFlight = [InFlightStart(instanceGUID: "new", app: "web", index: 0, release: 1)]
        #expect(Self.plan([Self.app("web")], [Self.cell("c1", evacuating: true, [leaving]), Self.cell("c2")],
                          inFlight: inFlight).isIdle, "the replacement is under way")

        let starting = Self.report("new", "web", state: .starting, cell: "c2")
        #expect(Self.plan([Self.app("web")], [Self.cell("c1", evacuating: true, [leaving]), Self.cell("c2", [starting])]).isIdle,
                "the evacuating one keeps serving until the replacement runs")

        let running = Self.report("new", "web", state: .running, cell: "c2")
        let last = Self.plan([Self.app("web")], [Self.cell("c1", evacuating: true, [leaving]), Self.cell("c2", [running])])
        #expect(last.starts.isEmpty)
        #expect(last.stops == [.init(cellID: "c1", instanceGUID: "old", app: "web", index: 0, reason: "evacuated")])
    }

    @Test func aNewReleaseReplacesTheOldOnlyOnceItRuns() {
        let app = Self.app("web", instances: 2, releases: 2)
        let old = [Self.report("o0", "web", index: 0, release: 1), Self.report("o1", "web", index: 1, release: 1)]
        let first = Self.plan([app], [Self.cell("c1", old)])
        #expect(first.starts.map(\.release) == [2, 2])
        #expect(first.starts.allSatisfy { $0.cause == .newRelease })
        #expect(first.stops.isEmpty, "the old release keeps serving")

        let starting = [Self.report("n0", "web", index: 0, release: 2, state: .running),
                        Self.report("n1", "web", index: 1, release: 2, state: .starting)]
        let second = Self.plan([app], [Self.cell("c1", old + starting)])
        #expect(second.starts.isEmpty)
        #expect(second.stops == [.init(cellID: "c1", instanceGUID: "o0", app: "web", index: 0, reason: "replaced by release 2")])
    }

    @Test func aCrashedInstanceOfAnOlderReleaseIsForgottenAndTheNewOneStartsAtOnce() {
        let app = Self.app("web", releases: 2)
        let plan = Self.plan([app], [Self.cell("c1", [Self.report("x", "web", release: 1, state: .crashed, since: Self.now, crashes: 9)])])
        #expect(plan.starts == [.init(app: "web", index: 0, release: 2, crashCount: 0, cause: .missing)])
        #expect(Self.guids(plan.forget) == ["x"])
    }

    @Test func duplicatesKeepTheRunningThenTheOldest() {
        let lrps = [Self.report("young", "web", state: .running, since: Self.now - 10),
                    Self.report("old", "web", state: .running, cell: "c2", since: Self.now - 50),
                    Self.report("fresh", "web", state: .starting, since: Self.now - 100)]
        let plan = Self.plan([Self.app("web")], [Self.cell("c1", [lrps[0], lrps[2]]), Self.cell("c2", [lrps[1]])])
        #expect(Self.guids(plan.stops) == ["young", "fresh"])
        #expect(plan.stops.allSatisfy { $0.reason == "duplicate" && $0.cellID == "c1" })
        #expect(plan.starts.isEmpty)
    }

    @Test func aDesiredAppWithoutAReleaseRunsNothing() {
        var app = Self.app("web")
        app.currentRelease = nil
        let plan = Self.plan([app], [Self.cell("c1", [Self.report("a", "web")])])
        #expect(plan.starts.isEmpty)
        #expect(Self.guids(plan.stops) == ["a"])
    }

    /// 10,000 desired instances over 1,000 cells, all running: nothing to do, quickly.
    @Test func aQuietPassOverTenThousandInstancesIsFast() {
        let apps = (0..<1000).map { Self.app("app-\($0)", instances: 10) }
        var cells = (0..<1000).map { Self.cell("cell-\($0)") }
        for a in 0..<1000 {
            for i in 0..<10 {
                let c = (a * 10 + i) % 1000
                cells[c].lrps.append(Self.report("g-\(a)-\(i)", "app-\(a)", index: i, cell: "cell-\(c)"))
            }
        }
        var plan = Self.plan(apps, cells)
        #expect(plan.isIdle && plan.waiting.isEmpty)
        let clock = ContinuousClock()
        let elapsed = clock.measure { plan = Self.plan(apps, cells) }
        #expect(plan.isIdle)
        // Milliseconds in a release build; a debug build on a shared machine gets room.
        #expect(elapsed < .milliseconds(500), "took \(elapsed)")
    }
}
