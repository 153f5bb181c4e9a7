import Blobstore
import Cell
import Foundation
import NATS
import PipetteCore
import Staging
import Synchronization
import Testing
import TestSupport

/// The stager staging through a real auctioneer and real cells: placement by stack, re-placement
/// when a cell is lost, rejection by a full cell, evacuation.
@Suite("Staging on cells", .serialized)
struct StagingOnCellsTests {
    /// In-process cells beat slowly enough that a busy test machine never makes them look lost;
    /// the cells a test kills run as processes with 200 ms heartbeats, so they are missed fast.
    static let heartbeat = Duration.seconds(1)

    static func cell(_ id: String, stacks: [String], zone: String = "z1", memoryMB: Int = 8192,
                     containers: Int = 4) -> CellConfig {
        CellConfig(id: id, zone: zone, stacks: stacks,
                   capacity: Resources(memoryMB: memoryMB, diskMB: 20_000, containers: containers),
                   heartbeatInterval: heartbeat)
    }

    /// A home with the real lifecycle, the staticfile buildpack and the `naps` fixture buildpack
    /// (copied: the buildpacks folder is bind-mounted, and host symlinks would not resolve inside).
    static func homeWithNaps(in work: TemporaryDirectory) throws -> PipetteHome {
        let root = work.file("home")
        let buildpacks = root.appendingPathComponent("buildpacks")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("lifecycle"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: buildpacks, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: root.appendingPathComponent("lifecycle/build"),
                                                   withDestinationURL: ProjectPaths.root.appendingPathComponent("lifecycle/build"))
        try FileManager.default.createSymbolicLink(at: root.appendingPathComponent("stacks"),
                                                   withDestinationURL: ProjectPaths.root.appendingPathComponent("stacks"))
        try FileManager.default.copyItem(at: ProjectPaths.buildpacks.appendingPathComponent("staticfile"),
                                         to: buildpacks.appendingPathComponent("staticfile"))
        try FileManager.default.copyItem(
            at: ProjectPaths.root.appendingPathComponent("Tests/StagerTests/Fixtures/buildpacks/naps"),
            to: buildpacks.appendingPathComponent("naps"))
        return PipetteHome(root: root, cache: TestStacks.cache)
    }

    @Test func eachStackLandsOnTheCellThatHasItAndItsArchBuilds() async throws {
        let platform = try await Platform(cells: [Self.cell("amd", stacks: ["tiny-amd64"]),
                                                  Self.cell("arm", stacks: ["tiny-arm64"])])
        var replied: Set<String> = []
        for (stack, cell, machine) in [("tiny-arm64", "arm", "aarch64"), ("tiny-amd64", "amd", "x86_64")] {
            var request = platform.seedRequest("static")
            request["stack"] = stack
            let reply = try await platform.stage(request)
            #expect(reply.error == nil, "\(reply.error ?? "")")
            #expect(reply.cellID == cell)
            #expect(reply.stack == stack)
            StagerTests.expectSeedLines(reply.taskLog)
            #expect(reply.taskLog.contains("Static site detected (building on \(machine))"),
                    "the builder ran \(machine) code:\n\(reply.taskLog)")
            let droplet = try #require(reply.droplet)
            let blob = try await shell("/usr/bin/curl", ["-fsSI", try #require(droplet.blobURL)]).output.lowercased()
            #expect(blob.contains("x-checksum-sha256: \(droplet.sha256)"))
            replied.insert(droplet.sha256)
        }
        let received = try await platform.receivedDroplets()
        #expect(received.count == 2, "the fake CC got both droplets")
        #expect(Set(received.compactMap { $0["sha256"] as? String }) == replied, "the droplets the cells posted are the ones the replies name")
        await platform.stop()
    }

    /// A cell whose POST to `upload_uri` fails leaves the droplet to the stager's relay; when that
    /// fails too, the reply says so, as for a staging on the stager's own host.
    @Test func aFailedPostFromTheCellIsLeftToTheStagersRelay() async throws {
        let platform = try await Platform(cells: [Self.cell("amd", stacks: ["tiny-amd64"])])
        var request = platform.seedRequest("static")
        request["upload_uri"] = "\(platform.ccURL)/no-such-route?expires=99&signature=s3cr3t-sig"
        let reply = try await platform.stage(request)
        #expect(reply.error == "Failed uploading droplet: HTTP 404 from \(platform.ccURL)/no-such-route?expires=99&signature=REDACTED",
                "\(reply.error ?? "no error")")
        #expect(reply.taskLog.contains("Uploading droplet from cell amd failed (HTTP 404 from"), "\(reply.taskLog)")
        #expect(!reply.taskLog.contains("s3cr3t-sig"))
        await platform.stop()
    }

    @Test func theCellSavesTheBuildCacheAndRestoresItNextTime() async throws {
        let platform = try await Platform(cells: [Self.cell("amd", stacks: ["tiny-amd64"])])
        let request = platform.withBuildCache(platform.seedRequest("static"), key: "static-on-cells")
        let first = try await platform.stage(request)
        #expect(first.error == nil, "\(first.error ?? "")")
        #expect(first.taskLog.contains("No build cache restored (HTTP 404"), "nothing cached yet:\n\(first.taskLog)")
        let second = try await platform.stage(request)
        #expect(second.error == nil)
        #expect(second.cellID == "amd")
        #expect(!second.taskLog.contains("No build cache restored"), "the cache the cell saved is restored:\n\(second.taskLog)")
        await platform.stop()
    }

    /// The cell fetches the package from `download_uri` itself (Diego's way): nothing of it is
    /// stored in the blobstore, its failures are the seed's sentences, and a package over the
    /// stager's `max_download_mb` is refused by the cell too.
    @Test func theCellFetchesThePackageItselfAndSaysWhyItCannot() async throws {
        let platform = try await Platform(cells: [Self.cell("amd", stacks: ["tiny-amd64"])]) { config in
            config.maxDownloadMB = 1
        }
        try platform.work.write("apps/huge/index.html", "<p>big</p>")
        try Data(incompressibleBytes(2 << 20)).write(to: platform.work.file("apps/huge/blob.bin"))
        let good = try await platform.stage(platform.seedRequest("static"))
        #expect(good.error == nil, "\(good.error ?? "")")
        #expect(good.cellID == "amd")
        let log = good.taskLog
        let cellLine = try #require(log.range(of: "Cell amd staging on tiny-amd64"), "\(log)")
        let download = try #require(log.range(of: "] Downloading application"), "\(log)")
        #expect(cellLine.upperBound < download.lowerBound, "the cell logged the download:\n\(log)")
        // The cell's download is timed apart, as when a stager stages on its own host.
        #expect(good.durationsMs.keys.sorted() == ["download", "stage", "upload"], "\(good.durationsMs)")
        let blobs = try FileManager.default.subpathsOfDirectory(atPath: platform.work.file("blobs").path)
        #expect(!blobs.contains { $0.hasPrefix("packages") && $0.hasSuffix(".zip") }, "no package stored: \(blobs)")

        var missing = platform.seedRequest("static")
        missing["download_uri"] = "\(platform.ccURL)/download_unstaged_app/no-such-app"
        let notFound = try await platform.stage(missing)
        #expect(notFound.error == "Failed downloading app: HTTP 404 from \(platform.ccURL)/download_unstaged_app/no-such-app",
                "\(notFound.error ?? "no error")")
        let huge = try await platform.stage(platform.seedRequest("huge"))
        #expect(huge.error?.hasPrefix("Failed downloading app: \(platform.ccURL)/download_unstaged_app/huge sent more than the limit") == true,
                "\(huge.error ?? "no error")")
        await platform.stop()
    }

    /// A blobstore that refuses the stager's writes (here: the wrong secret) fails the staging
    /// before placement, naming the store, and no cell builds anything.
    @Test func aBlobstoreThatRefusesWritesFailsTheStagingBeforeAnyBuild() async throws {
        let platform = try await Platform(cells: [Self.cell("amd", stacks: ["tiny-amd64"])]) { config in
            config.blobstoreSecret = "not-the-blobstore-secret"
        }
        let watcher = try await platform.client()
        let placements = try watcher.subscribe([Subjects.placeTask], bufferSize: 16)
        try await watcher.flush()
        for _ in 0..<2 {
            let reply = try await platform.stage(platform.seedRequest("static"))
            let error = try #require(reply.error)
            #expect(error.hasPrefix("Cannot store droplets in the blobstore: HTTP 403"), "\(error)")
            #expect(!error.contains("not-the-blobstore-secret"), "\(error)")
            #expect(reply.cellID == nil && !reply.taskLog.contains("Cell amd"), "no cell was asked:\n\(reply.taskLog)")
        }
        placements.drain()
        var placed = 0
        for await _ in placements { placed += 1 }
        #expect(placed == 0, "no Task was placed")
        #expect(try await platform.receivedDroplets().isEmpty)
        await platform.stop()
    }

    /// A blobstore that goes away after the write check passed: the staging in flight fails when
    /// its cell stores the droplet, and that failure makes the next staging check again, so it
    /// fails before any build, naming the store.
    @Test func aBlobstoreGoneAfterItsCheckFailsTheNextStagingBeforeAnyBuild() async throws {
        let work = try TemporaryDirectory("store-gone")
        defer { work.remove() }
        let port = Reported<Int>()
        let store = ServiceHarness([BlobstoreService(
            config: BlobstoreConfig(directory: work.file("blobs"), secret: Platform.secret, port: 0),
            logger: Platform.quiet("test.store-gone"), onListening: { port.set($0) })])
        let url = "http://127.0.0.1:\(await port.value)"
        let platform = try await Platform(cells: [Self.cell("amd", stacks: ["tiny-amd64"])]) { config in
            config.blobstoreURL = url
        }
        let good = try await platform.stage(platform.seedRequest("static"))
        #expect(good.error == nil, "\(good.error ?? "")")
        await store.stop()
        let built = try await platform.stage(platform.seedRequest("static"))
        #expect(built.taskLog.contains("Cell amd staging") && built.error?.hasPrefix("Failed storing droplet in the blobstore: cannot reach") == true,
                "the check still held, so the cell built and failed storing: \(built.error ?? "no error")")
        let next = try await platform.stage(platform.seedRequest("static"))
        #expect(!next.taskLog.contains("Cell amd") && next.error?.hasPrefix("Cannot store droplets in the blobstore: cannot reach \(url)") == true,
                "\(next.error ?? "no error")\n\(next.taskLog)")
        await platform.stop()
    }

    @Test func anUnknownStackIsRefusedNamingTheStacksSeen() async throws {
        let platform = try await Platform(cells: [Self.cell("amd", stacks: ["tiny-amd64"]),
                                                  Self.cell("arm", stacks: ["tiny-arm64"])])
        var request = platform.seedRequest("static")
        request["stack"] = "bookworm-riscv64"
        let reply = try await platform.stage(request)
        #expect(reply.error == "found no compatible cell for stack bookworm-riscv64 (2 cells: 0 have it; stacks seen: tiny-amd64, tiny-arm64)")
        #expect(reply.droplet == nil)
        #expect(try await platform.receivedDroplets().isEmpty)
        await platform.stop()
    }

    @Test func aCellKilledMidStagingIsReplacedAndTheReplyStillArrives() async throws {
        // "b-survivor" loses the tie to "a-doomed" (equal cells, smallest id wins), so the first
        // attempt lands on the cell this test kills.
        try await stageKillingCell("a-doomed", beside: [Self.cell("b-survivor", stacks: ["tiny-amd64"])]) { (answer: StagingReply, platform: Platform) async throws in
            #expect(answer.error == nil, "\(answer.error ?? "")")
            #expect(answer.cellID == "b-survivor")
            #expect(answer.taskLog.contains("Cell a-doomed was lost (missed 3 heartbeats"), "\(answer.taskLog)")
            #expect(answer.taskLog.components(separatedBy: "Napping 3 s on x86_64").count == 3, "the task ran twice, once per cell")
            #expect(try await platform.receivedDroplets().count == 1)
        }
    }

    @Test func aLostCellWithNoOtherCellIsNamedInTheError() async throws {
        try await stageKillingCell("only-amd", beside: [Self.cell("arm", stacks: ["tiny-arm64"])]) { (answer: StagingReply, _: Platform) async throws in
            let error = try #require(answer.error)
            #expect(error.hasPrefix("Cell only-amd was lost mid-task (missed 3 heartbeats"), "\(error)")
            #expect(error.contains("found no compatible cell for stack tiny-amd64 (1 cell: 0 have it; stacks seen: tiny-arm64)"), "\(error)")
        }
    }

    /// Runs cell `doomed` (tiny-amd64) as its own process beside `cells`, stages with the slow
    /// `naps` buildpack, SIGKILLs the doomed cell when the builder starts, and hands the reply to
    /// `verify`. Then checks that the doomed cell, started again, removes the workspace it left.
    private func stageKillingCell(_ doomed: String, beside cells: [CellConfig],
                                  verify: (StagingReply, Platform) async throws -> Void) async throws {
        let work = try TemporaryDirectory("killed-cell")
        defer { work.remove() }
        let home = try Self.homeWithNaps(in: work)
        let platform = try await Platform(cells: cells, home: home)
        let process = try startCellProcess(doomed, stacks: "tiny-amd64", home: home, nats: platform.nats.url)
        defer { if process.isRunning { process.terminate() } }
        try await platform.waitForCells([doomed])

        var request = platform.seedRequest("static")
        request["buildpacks"] = ["naps"]
        let answer = try await platform.stage(request, whenLogContains: "Napping") { _ in
            kill(process.processIdentifier, SIGKILL)
        }
        try await verify(answer, platform)
        await platform.stop()
        try await Self.restartRemovesLeftovers(of: doomed, home: home)
    }

    @Test func aFullCellRejectsAndTheNextBestTakesTheTask() async throws {
        let platform = try await Platform(cells: [Self.cell("real", stacks: ["tiny-amd64"])])
        // A cell whose heartbeat still shows room (stale: another auctioneer just filled it) and
        // which therefore rejects; it is emptier, so it is offered the task first.
        let stale = try await StaleCell(nats: platform.nats.url, id: "a-stale-full")
        try await platform.waitForCells(["a-stale-full"])

        let reply = try await platform.stage(platform.seedRequest("static"))
        #expect(reply.error == nil, "\(reply.error ?? "")")
        #expect(reply.cellID == "real")
        #expect(stale.offers.value.withLock { $0 } == 1, "the stale cell was offered the task first and rejected it")
        stale.stop()
        await platform.stop()
    }

    @Test func aRealCellReservesAtomicallyAndRejectsWhatNoLongerFits() async throws {
        let platform = try await Platform(cells: [Self.cell("small", stacks: ["tiny-amd64"], memoryMB: 1000, containers: 4)])
        let connection = try await platform.client()
        func task(_ id: String, memory: Int, stack: String = "tiny-amd64") -> TaskDefinition {
            TaskDefinition(taskID: id, appID: "x", stack: stack, memoryMB: memory, diskMB: 10,
                           packageURL: "http://127.0.0.1:1/none", dropletUploadURL: "http://127.0.0.1:1/none",
                           buildpacks: [], timeoutSeconds: 5, eventsSubject: "pipette.task.reserve-\(id)")
        }
        let request = PerformRequest(tasks: [task("t1", memory: 600), task("t2", memory: 600), task("t3", memory: 300),
                                             task("t4", memory: 10, stack: "tiny-arm64")])
        let answer = try await connection.request(Subjects.perform(cell: "small"), Wire.encode(request), timeout: .seconds(5))
        let reply = try Wire.decode(PerformReply.self, from: answer.payload)
        #expect(reply.accepted == ["t1", "t3"])
        #expect(reply.rejected.map(\.taskID) == ["t2", "t4"])
        #expect(reply.rejected.first?.reason.contains("has no room (needs 600 MB memory") == true, "\(reply.rejected)")
        #expect(reply.rejected.last?.reason == "cell small does not have stack tiny-arm64")
        await platform.stop()
    }

    /// Offers a staging task straight to `cell` (as the auctioneer would) and returns a
    /// subscription to its completion; expects the cell to accept it.
    private static func offer(_ taskID: String, packageURL: String, timeoutSeconds: Int, toCell cell: String,
                              on connection: NATSConnection) async throws -> NATSSubscription {
        let task = TaskDefinition(
            taskID: taskID, appID: "x", stack: "tiny-amd64", memoryMB: 256, diskMB: 256, packageURL: packageURL,
            dropletUploadURL: "http://127.0.0.1:1/none", buildpacks: [], timeoutSeconds: timeoutSeconds,
            eventsSubject: "pipette.task.\(taskID).1")
        let done = try connection.subscribe(task.doneSubject)
        try await connection.flush()
        let answer = try await connection.request(Subjects.perform(cell: cell), Wire.encode(PerformRequest(tasks: [task])),
                                                  timeout: .seconds(5))
        #expect(try Wire.decode(PerformReply.self, from: answer.payload).accepted == [taskID])
        return done
    }

    /// A completion lost in flight (its NATS node died) would keep the staging waiting for its
    /// whole timeout: the cell sends it again until the stager acknowledges it.
    @Test func aCompletionIsSentAgainUntilAcknowledged() async throws {
        let platform = try await Platform(cells: [Self.cell("acks", stacks: ["tiny-amd64"])])
        let connection = try await platform.client()
        let done = try await Self.offer("ack-me", packageURL: "\(platform.blobstoreURL)/no-such-package.zip",
                                        timeoutSeconds: 60, toCell: "acks", on: connection)
        // The first is "lost": not acknowledged; the second is.
        let seen = Mutex<[NATSMessage]>([])
        let follower = Task {
            for await message in done {
                let count = seen.withLock { $0.append(message); return $0.count }
                if count == 2, let replyTo = message.replyTo { try? connection.publish(replyTo, [UInt8]()) }
            }
        }
        defer { follower.cancel() }
        #expect(await eventually(within: .seconds(30)) { seen.withLock { $0.count } >= 2 }, "sent again when not acknowledged")
        let (first, second) = try #require(seen.withLock { $0.count >= 2 ? ($0[0], $0[1]) : nil })
        #expect(try Wire.decode(TaskCompletion.self, from: first.payload).error?.isEmpty == false, "the package is missing")
        #expect(second.payload == first.payload, "the same completion, sent again")
        // Acknowledged: no third within three of its retry periods.
        #expect(!(await eventually(within: .seconds(8)) { seen.withLock { $0.count } > 2 }), "sent no more once acknowledged")
        done.unsubscribe()
        await platform.stop()
    }

    @Test func aCancelledTaskStopsAtOnceAndFreesItsCapacity() async throws {
        let hanging = SilentServer()
        let platform = try await Platform(cells: [Self.cell("c", stacks: ["tiny-amd64"])])
        let connection = try await platform.client()
        let done = try await Self.offer("cancel-me", packageURL: "http://127.0.0.1:\(hanging.port)/package.zip",
                                        timeoutSeconds: 600, toCell: "c", on: connection)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await platform.registeredCells().first?.tasks == 1, "the task holds its reservation while it hangs")

        try connection.publish(Subjects.cancel(cell: "c"), Wire.encode(TaskCancel(taskID: "cancel-me")))
        var completions = done.makeAsyncIterator()
        let message = try #require(await completions.next())
        let completion = try Wire.decode(TaskCompletion.self, from: message.payload)
        #expect(completion.error == "Staging was cancelled on cell c")
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await platform.registeredCells().first?.tasks == 0, "the cancelled task gave its capacity back")
        done.unsubscribe()
        await platform.stop()
    }

    @Test func anEvacuatingCellFinishesItsTaskAndLeaves() async throws {
        let work = try TemporaryDirectory("evacuate")
        defer { work.remove() }
        let platform = try await Platform(cells: [Self.cell("leaving", stacks: ["tiny-amd64"])],
                                          home: try Self.homeWithNaps(in: work))
        var request = platform.seedRequest("static")
        request["buildpacks"] = ["naps"]
        request["environment"] = ["NAP_SECONDS": "2"]
        let during = Reported<[CellState]>()
        let answer = try await platform.stage(request, whenLogContains: "Napping") { _ in
            async let stopped: Void = platform.stopCell("leaving")
            try? await Task.sleep(for: .milliseconds(400))
            during.set((try? await platform.registeredCells()) ?? [])
            await stopped
        }
        #expect(await during.value.first?.evacuating == true, "the cell heartbeats that it is evacuating")
        #expect(answer.error == nil, "\(answer.error ?? "")")
        #expect(answer.cellID == "leaving")
        #expect(answer.taskLog.contains("Napping 2 s"), "the request's environment reached the buildpack on the cell")
        #expect(try await platform.registeredCells().isEmpty, "the cell said it was gone")
        await platform.stop()
    }

    @Test func pipetteCellsPrintsTheRegistry() async throws {
        let platform = try await Platform(cells: [Self.cell("amd", stacks: ["tiny-amd64"], zone: "rack1"),
                                                  Self.cell("arm", stacks: ["tiny-arm64"], zone: "rack2")])
        let pipette = ProjectPaths.root.appendingPathComponent(".build/debug/pipette").path
        let result = try await shell(pipette, ["cells", "--nats", platform.nats.url])
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("ID   ZONE   STACKS      ARCH   MEMORY FREE") == true, "\(result.output)")
        #expect(lines.contains { $0.hasPrefix("amd  rack1  tiny-amd64  amd64  8192/8192 MB") }, "\(result.output)")
        #expect(lines.contains { $0.hasPrefix("arm  rack2  tiny-arm64  arm64  8192/8192 MB") }, "\(result.output)")
        await platform.stop()
    }

    /// A killed cell left its task's workspace behind, its container's bundle (config.json) in it;
    /// started again, it removes it.
    static func restartRemovesLeftovers(of id: String, home: PipetteHome) async throws {
        let workspaces = FileManager.default.temporaryDirectory.appendingPathComponent("pipette-cell-\(id)")
        func leftovers() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: workspaces.path)) ?? [] }
        #expect(!leftovers().isEmpty, "the killed cell left its workspace")
        #expect(leftovers().contains { FileManager.default.fileExists(atPath: workspaces.path + "/\($0)/bundle/config.json") },
                "the container's bundle is in the workspace: \(leftovers())")
        let platform = try await Platform(cells: [cell(id, stacks: ["tiny-amd64"])], home: home)
        #expect(leftovers().isEmpty, "the restarted cell removed it")
        await platform.stop()
    }

    /// `pipette cell` as its own process, so the test can SIGKILL it.
    private func startCellProcess(_ id: String, stacks: String, home: PipetteHome, nats: String) throws -> Process {
        let process = Process()
        process.executableURL = ProjectPaths.root.appendingPathComponent(".build/debug/pipette")
        process.arguments = ["cell", "--id", id, "--stacks", stacks, "--nats", nats, "--memory-mb", "8192",
                             "--disk-mb", "20000", "--max-containers", "4", "--heartbeat-ms", "200", "--log-level", "warning"]
        var environment = ProcessInfo.processInfo.environment
        environment["PIPETTE_HOME"] = home.root.path
        environment["PIPETTE_CACHE"] = home.cache.path
        process.environment = environment
        try process.run()
        return process
    }
}
