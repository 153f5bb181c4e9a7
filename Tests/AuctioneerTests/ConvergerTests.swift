import Apps
import Auctioneer
import Foundation
import Logging
import NATS
import PipetteCore
import Testing
import TestSupport

/// The converger in a real auctioneer against a real nats-server with JetStream, with light fake
/// cells (`FakeCell`) standing in for the cell side of the contract.
@Suite("Converger", .serialized)
struct ConvergerTests {
    /// Short everything: cells heartbeat every 200 ms, passes every 300 ms, the lock lives 2 s.
    static func config(_ url: String, id: String, policy: CrashPolicy = CrashPolicy(minBackoff: 2, maxBackoff: 4)) -> AuctioneerConfig {
        var config = AuctioneerConfig(natsURI: url)
        config.blobstore = .embedded(base: "http://127.0.0.1:8081", secret: "test-secret")
        config.convergeInterval = .milliseconds(300)
        config.convergeDebounce = .milliseconds(50)
        config.lockTTL = .seconds(2)
        config.startupGrace = .milliseconds(800)
        config.inFlightTimeout = .seconds(5)
        config.crashPolicy = policy
        config.auctioneerID = id
        return config
    }

    static func app(_ name: String, instances: Int, stack: String = "tiny-amd64") -> AppRecord {
        var app = AppRecord(name: name, guid: "guid-\(name)", stack: stack, instances: instances, memoryMB: 64, diskMB: 64)
        _ = app.append(release(name, stack: stack))
        return app
    }

    static func release(_ name: String, stack: String = "tiny-amd64") -> AppRelease {
        AppRelease(number: 0, dropletKey: "droplets/\(name)/1.tgz", dropletSHA256: "abc", dropletSize: 1, stack: stack,
                   startCommand: "./run", detectedBuildpack: "binary", taskID: "t-\(name)", createdAt: 0, createdBy: "test")
    }

    /// A nats-server, an app store client, fake cells and auctioneers.
    final class Rig: @unchecked Sendable {
        let server: NATSServer
        let client: NATSConnection
        let store: AppStore
        let cells: [FakeCell]
        let cellHarness: ServiceHarness

        init(cells specs: [(id: String, zone: String, stacks: [String])], runAfter: Duration? = .milliseconds(300)) async throws {
            server = try NATSServer()
            client = try await NATSConnection.connect(server.url)
            store = try await AppStore.open(client)
            var cells: [FakeCell] = []
            for spec in specs {
                cells.append(FakeCell(id: spec.id, zone: spec.zone, stacks: spec.stacks, nats: try await NATSConnection.connect(server.url),
                                      runAfter: runAfter))
            }
            self.cells = cells
            cellHarness = ServiceHarness(cells)
            for cell in cells { _ = await cell.ready.value }
        }

        func auctioneer(_ id: String, policy: CrashPolicy = CrashPolicy(minBackoff: 2, maxBackoff: 4)) async -> ServiceHarness {
            await TestAuctioneer.start(ConvergerTests.config(server.url, id: id, policy: policy))
        }

        func put(_ app: AppRecord) async throws {
            try await store.update(app.name) { $0 = app }
        }

        func edit(_ name: String, _ change: @escaping (inout AppRecord) -> Void) async throws {
            try await store.update(name) { record in
                guard var app = record else { return }
                change(&app)
                record = app
            }
        }

        var instances: [InstanceReport] { cells.flatMap(\.instances) }
        func instances(of app: String) -> [InstanceReport] { instances.filter { $0.app == app } }
        var performRequests: Int { cells.map(\.performRequests).reduce(0, +) }

        func status() async -> ConvergerStatus? {
            guard let answer = try? await client.request(Subjects.convergerStatus, [], timeout: .milliseconds(500)) else { return nil }
            return try? Wire.decode(ConvergerStatus.self, from: answer.payload)
        }

        func close() async {
            await cellHarness.stop()
            client.close()
            server.stop()
        }
    }

    @Test func instancesAreSpreadOverCellsAndZonesThenScaledDown() async throws {
        let rig = try await Rig(cells: [("c1", "z1", ["tiny-amd64"]), ("c2", "z2", ["tiny-amd64"])])
        let auctioneer = await rig.auctioneer("a1")
        try await rig.put(Self.app("web", instances: 3))

        #expect(await eventually { rig.instances(of: "web").filter { $0.state == .running }.count == 3 })
        let running = rig.instances(of: "web")
        #expect(running.map(\.index).sorted() == [0, 1, 2])
        #expect(Set(running.map(\.cellID)) == ["c1", "c2"], "spread over both cells (and zones)")
        #expect(running.allSatisfy { $0.release == 1 && $0.crashCount == 0 })

        try await rig.edit("web") { $0.instances = 1 }
        #expect(await eventually { rig.instances(of: "web").count == 1 })
        #expect(rig.instances(of: "web").map(\.index) == [0])
        let reasons = rig.cells.flatMap(\.stopsReceived).map(\.reason)
        #expect(reasons.filter { $0 == "scaled down" }.count >= 1)
        #expect(rig.cells.flatMap(\.stopsReceived).flatMap(\.instanceGUIDs).count == 2, "exactly the 2 extra instances were stopped: \(rig.cells.flatMap(\.stopsReceived))")

        await auctioneer.stop()
        await rig.close()
    }

    @Test func crashedInstancesRestartAtOnceThenWaitOnTheBackoff() async throws {
        let rig = try await Rig(cells: [("c1", "z1", ["tiny-amd64"])])
        // Two immediate restarts, then 2 s, 4 s.
        let policy = CrashPolicy(immediateRestarts: 2, minBackoff: 2, maxBackoff: 4)
        let auctioneer = await rig.auctioneer("a1", policy: policy)
        try await rig.put(Self.app("web", instances: 1))
        try await rig.put(Self.app("nowhere", instances: 1, stack: "tiny-riscv64"))
        let cell = rig.cells[0]

        #expect(await eventually { rig.instances(of: "web").first?.state == .running })
        let first = try #require(rig.instances(of: "web").first)
        cell.crash(first.instanceGUID)
        // Crash 1: restarted at once with the count; the crashed report is forgotten.
        #expect(await eventually {
            let now = rig.instances(of: "web")
            return now.count == 1 && now[0].state != .crashed && now[0].crashCount == 1
        })
        let second = try #require(rig.instances(of: "web").first)
        #expect(second.instanceGUID != first.instanceGUID)

        #expect(await eventually { rig.instances(of: "web").first?.state == .running })
        cell.crash(second.instanceGUID)
        let crashedAt = Date().timeIntervalSince1970
        // Crash 2: held back for 2 s, visible in the converger's status.
        #expect(await eventually {
            await rig.status()?.waiting.contains { $0.app == "web" && $0.crashCount == 2 && $0.restartAt != nil } == true
        })
        let wait = try #require(await rig.status()?.waiting.first { $0.app == "web" })
        #expect(abs((wait.restartAt ?? 0) - (crashedAt + 2)) < 1)
        #expect(await eventually { rig.instances(of: "web").contains { $0.state != .crashed && $0.crashCount == 2 } })
        #expect(Date().timeIntervalSince1970 >= crashedAt + 2 - 0.1, "not restarted before its backoff")

        // A stack no cell has: the error is in the status.
        let status = try #require(await rig.status())
        #expect(status.holder == "a1")
        #expect(status.placementErrors["nowhere"]?.contains("tiny-riscv64") == true)
        #expect(rig.instances(of: "nowhere").isEmpty)

        await auctioneer.stop()
        await rig.close()
    }

    @Test func instancesOfALostCellAreStartedOnACellWithTheStack() async throws {
        let rig = try await Rig(cells: [("c1", "z1", ["tiny-amd64"]), ("c2", "z2", ["tiny-amd64"]), ("c3", "z2", ["tiny-arm64"])])
        let auctioneer = await rig.auctioneer("a1")
        try await rig.put(Self.app("web", instances: 2))
        #expect(await eventually { rig.instances(of: "web").filter { $0.state == .running }.count == 2 })
        #expect(Set(rig.instances(of: "web").map(\.cellID)) == ["c1", "c2"])

        rig.cells[0].setHeartbeating(false)
        #expect(await eventually { rig.cells[1].instances.filter { $0.app == "web" && $0.state == .running }.count == 2 })
        #expect(rig.cells[1].instances.map(\.index).sorted() == [0, 1])
        #expect(rig.cells[2].instances.isEmpty, "c3 lacks the stack")

        await auctioneer.stop()
        await rig.close()
    }

    @Test func anEvacuatingCellsInstanceIsReplacedBeforeItIsStopped() async throws {
        let rig = try await Rig(cells: [("c1", "z1", ["tiny-amd64"]), ("c2", "z1", ["tiny-amd64"])], runAfter: nil)
        let auctioneer = await rig.auctioneer("a1")
        try await rig.put(Self.app("web", instances: 1))
        #expect(await eventually { rig.instances(of: "web").count == 1 })
        let original = try #require(rig.instances(of: "web").first)
        let leaving = try #require(rig.cells.first { $0.id == original.cellID })
        let staying = try #require(rig.cells.first { $0.id != original.cellID })
        leaving.markRunning(original.instanceGUID)

        leaving.evacuate()
        #expect(await eventually { staying.instances.count == 1 })
        let replacement = try #require(staying.instances.first)
        #expect(replacement.crashCount == original.crashCount)
        #expect(leaving.instances.count == 1, "still serving while the replacement is only starting")
        #expect(leaving.stopsReceived.isEmpty)

        staying.markRunning(replacement.instanceGUID)
        #expect(await eventually { leaving.instances.isEmpty })
        #expect(leaving.stopsReceived.map(\.reason) == ["evacuated"])
        #expect(staying.instances.map(\.instanceGUID) == [replacement.instanceGUID])

        await auctioneer.stop()
        await rig.close()
    }

    @Test func aNewReleaseReplacesTheOldOnlyOnceItRuns() async throws {
        let rig = try await Rig(cells: [("c1", "z1", ["tiny-amd64"])], runAfter: nil)
        let cell = rig.cells[0]
        let auctioneer = await rig.auctioneer("a1")
        try await rig.put(Self.app("web", instances: 2))
        #expect(await eventually { rig.instances(of: "web").count == 2 })
        for old in cell.instances { cell.markRunning(old.instanceGUID) }

        try await rig.edit("web") { _ = $0.append(Self.release("web")) }
        #expect(await eventually { rig.instances(of: "web").filter { $0.release == 2 }.count == 2 })
        #expect(rig.instances(of: "web").filter { $0.release == 1 }.count == 2, "old ones serve while the new ones start")

        let new0 = try #require(rig.instances(of: "web").first { $0.release == 2 && $0.index == 0 })
        cell.markRunning(new0.instanceGUID)
        #expect(await eventually { !rig.instances(of: "web").contains { $0.release == 1 && $0.index == 0 } })
        #expect(rig.instances(of: "web").contains { $0.release == 1 && $0.index == 1 }, "index 1's new one is not running yet")

        let new1 = try #require(rig.instances(of: "web").first { $0.release == 2 && $0.index == 1 })
        cell.markRunning(new1.instanceGUID)
        #expect(await eventually { rig.instances(of: "web").allSatisfy { $0.release == 2 } })
        #expect(cell.stopsReceived.allSatisfy { $0.reason == "replaced by release 2" })

        await auctioneer.stop()
        await rig.close()
    }

    @Test func aStoppedAppsInstancesAreAllStopped() async throws {
        let rig = try await Rig(cells: [("c1", "z1", ["tiny-amd64"])])
        let auctioneer = await rig.auctioneer("a1")
        try await rig.put(Self.app("web", instances: 2))
        #expect(await eventually { rig.instances(of: "web").count == 2 })
        try await rig.edit("web") { $0.state = .stopped }
        #expect(await eventually { rig.instances(of: "web").isEmpty })
        #expect(rig.cells[0].stopsReceived.allSatisfy { $0.reason == "app stopped" })
        await auctioneer.stop()
        await rig.close()
    }

    @Test func onlyTheLockHolderConvergesAndAnotherTakesOverWhenItDies() async throws {
        let rig = try await Rig(cells: [("c1", "z1", ["tiny-amd64"]), ("c2", "z2", ["tiny-amd64"])])
        let first = await rig.auctioneer("a1")
        let second = await rig.auctioneer("a2")
        try await rig.put(Self.app("web", instances: 2))
        #expect(await eventually { rig.instances(of: "web").filter { $0.state == .running }.count == 2 })
        let holder = try #require(await rig.status()?.holder)
        #expect(rig.performRequests == 2, "one perform per cell: a single converger acted")
        #expect(rig.instances(of: "web").count == 2)

        let (dying, survivor) = holder == "a1" ? (first, second) : (second, first)
        let other = holder == "a1" ? "a2" : "a1"
        await dying.cancel()
        let killed = ContinuousClock.now
        #expect(await eventually(within: .seconds(10)) { await rig.status()?.holder == other })
        #expect(ContinuousClock.now - killed < .seconds(6), "took over within a few seconds of the lock's 2 s")

        try await rig.edit("web") { $0.instances = 3 }
        #expect(await eventually { rig.instances(of: "web").filter { $0.state == .running }.count == 3 })
        #expect(rig.performRequests == 3)

        await survivor.stop()
        await rig.close()
    }

    @Test func aRestartedConvergerResumesFromTheBucketWithoutDuplicates() async throws {
        let rig = try await Rig(cells: [("c1", "z1", ["tiny-amd64"]), ("c2", "z2", ["tiny-amd64"])])
        let first = await rig.auctioneer("a1")
        try await rig.put(Self.app("web", instances: 2))
        #expect(await eventually { rig.instances(of: "web").filter { $0.state == .running }.count == 2 })
        await first.stop()
        let performs = rig.performRequests

        let restarted = await rig.auctioneer("a1-again")
        #expect(await eventually { await rig.status().map { $0.holder == "a1-again" && $0.lastPassAt != nil } == true })
        // A few more passes, then nothing was started again.
        let seen = try #require(await rig.status()?.lastPassAt)
        #expect(await eventually { (await rig.status()?.lastPassAt ?? 0) > seen + 0.5 })
        #expect(rig.performRequests == performs)
        #expect(rig.instances(of: "web").count == 2)

        try await rig.edit("web") { $0.instances = 3 }
        #expect(await eventually { rig.instances(of: "web").count == 3 })

        await restarted.stop()
        await rig.close()
    }

    @Test func aNATSServerRestartStartsNothingTwice() async throws {
        let rig = try await Rig(cells: [("c1", "z1", ["tiny-amd64"]), ("c2", "z2", ["tiny-amd64"])])
        let auctioneer = await rig.auctioneer("a1")
        try await rig.put(Self.app("web", instances: 2))
        #expect(await eventually { rig.instances(of: "web").filter { $0.state == .running }.count == 2 })
        let performs = rig.performRequests

        rig.server.stop()
        // The outage: longer than three heartbeats, so the auctioneer loses both cells meanwhile.
        try await Task.sleep(for: .milliseconds(1500))
        try rig.server.start()
        let back = Date().timeIntervalSince1970
        #expect(await eventually { await rig.status().map { ($0.lastPassAt ?? 0) > back + 1 } == true })
        #expect(rig.performRequests == performs, "the cells' instances were heard again before anything was started")
        #expect(rig.instances(of: "web").count == 2)

        try await rig.edit("web") { $0.instances = 3 }
        #expect(await eventually { rig.instances(of: "web").count == 3 })

        await auctioneer.stop()
        await rig.close()
    }

    @Test func instancesACellRejectsGoToTheNextBestCellInTheSamePass() async throws {
        let rig = try await Rig(cells: [("c1", "z1", ["tiny-amd64"]), ("c2", "z2", ["tiny-amd64"])])
        rig.cells[0].setRefusing(true)
        let auctioneer = await rig.auctioneer("a1")
        try await rig.put(Self.app("web", instances: 2))
        #expect(await eventually { rig.cells[1].instances.count == 2 })
        #expect(rig.cells[0].performRequests == 1, "c1 was offered one (zone spread) and rejected it")
        #expect(rig.cells[1].performRequests == 2, "the first offer, then c1's rejected one in the next round")
        #expect(rig.cells[0].instances.isEmpty)
        await auctioneer.stop()
        await rig.close()
    }
}
