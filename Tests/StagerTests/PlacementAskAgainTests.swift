import Archive
import Blobstore
import Foundation
import Logging
import NATS
import PipetteCore
@testable import Stager
import Staging
import Synchronization
import Testing
import TestSupport
import Transfer

/// The stager's side of a placement asked again (its answer may be lost with a NATS node): an
/// attempt whose cell finishes before any answer comes stops asking, and a Task placed twice
/// (the request asked again of an auctioneer that never saw it) never has the droplet its reply
/// names overwritten by the other cell. Stand-ins play the auctioneers and cells on a real
/// nats-server and blobstore.
@Suite("Placement asked again", .serialized, .timeLimit(.minutes(2)))
struct PlacementAskAgainTests {
    static let quiet = Logger(label: "placement-ask-again-tests") { _ in SwiftLogNoOpLogHandler() }

    /// A nats-server, a blobstore, the stager's connection and one for the stand-ins; a cell
    /// backend asking again after 200 ms.
    struct Harness {
        let nats: NATSServer
        let work: TemporaryDirectory
        let store: ServiceHarness
        let blobstore: BlobstoreClient
        let stager: NATSConnection
        let standIns: NATSConnection
        let backend: CellStagingBackend

        init(_ label: String) async throws {
            nats = try NATSServer()
            work = try TemporaryDirectory(label)
            let listening = Reported<Int>()
            store = ServiceHarness([BlobstoreService(config: BlobstoreConfig(directory: work.file("blobs"), port: 0),
                                                     logger: PlacementAskAgainTests.quiet, onListening: { listening.set($0) })])
            let location = try BlobstoreLocation.parse("http://127.0.0.1:\(await listening.value)", environment: [:],
                                                       readFile: { _ in nil })
            blobstore = BlobstoreClient(location: location, transfer: HTTPTransfer())
            stager = try await NATSConnection.connect(nats.url)
            standIns = try await NATSConnection.connect(nats.url)
            var backend = CellStagingBackend(nats: stager, blobstore: blobstore, placementTimeout: .seconds(30),
                                             writeCheck: BlobstoreWriteCheck(blobstore: blobstore, stager: label))
            backend.askAgainAfter = Duration.milliseconds(200)
            self.backend = backend
        }

        var job: StagingJob { job(posting: nil) }

        func job(posting post: DropletPost?) -> StagingJob {
            StagingJob(workspace: work.url, packageURI: "http://127.0.0.1:1/app.zip", taskID: "t", attemptID: "attempt-1",
                       appID: "app", stack: "tiny-amd64", options: StagingOptions(timeout: .seconds(60)),
                       need: Resources(memoryMB: 256, diskMB: 256, containers: 1), dropletPost: post, cacheDownloadURI: nil,
                       cacheUploadURI: nil, maxDownloadBytes: 1 << 20, deadline: .now + .seconds(60))
        }

        /// Stores `file` as a cell does (its sha256 for the blobstore to check) and completes the
        /// Task as `cellID`, naming `key` as where it stored it.
        func complete(_ task: TaskDefinition, as cellID: String, storing file: URL, key: String?, posted: Bool? = nil) async throws {
            let digest = try FileDigest.sha256(of: file)
            _ = try await HTTPTransfer().upload(file, to: task.dropletUploadURL, headers: [("X-Checksum-Sha256", digest.sha256)],
                                                timeout: .seconds(30))
            let done = TaskCompletion(taskID: task.taskID, cellID: cellID, dropletSHA256: digest.sha256, dropletSize: digest.size,
                                      dropletKey: key, dropletPosted: posted)
            try standIns.publish(task.doneSubject, Wire.encode(done))
        }

        func stop() async {
            stager.close()
            standIns.close()
            await store.stop()
            nats.stop()
            work.remove()
        }
    }

    @Test func anAttemptWhoseCellFinishedBeforeThePlacementAnswerStopsAsking() async throws {
        let harness = try await Harness("ask-again")
        // A stand-in auctioneer that never answers; the task's "cell" completes it on the first ask.
        let asks = Atomic<Int>(0)
        let requests = try harness.standIns.subscribe(Subjects.placeTask)
        let auctioneer = Task {
            for await message in requests {
                guard asks.add(1, ordering: .sequentiallyConsistent).newValue == 1,
                      let placement = try? Wire.decode(TaskPlacementRequest.self, from: message.payload) else { continue }
                let done = TaskCompletion(taskID: placement.task.taskID, cellID: "quick-cell", dropletSHA256: "0", dropletSize: 1)
                try? harness.standIns.publish(placement.task.doneSubject, Wire.encode(done))
            }
        }
        try await harness.standIns.flush()

        // Without the fix the attempt never ends (its asking spins): give it a bound instead.
        let done = Atomic<Bool>(false)
        let staging = Task {
            defer { done.store(true, ordering: .sequentiallyConsistent) }
            return try await harness.backend.stage(harness.job, onLine: { _ in })
        }
        guard await eventually(within: .seconds(20), { done.load(ordering: .sequentiallyConsistent) }) else {
            Issue.record("the staging did not end; the placement was asked \(asks.load(ordering: .sequentiallyConsistent)) times")
            return
        }
        #expect(try await staging.value.cellID == "quick-cell")

        // Several asking intervals later, nothing more was asked.
        let settled = asks.load(ordering: .sequentiallyConsistent)
        try await Task.sleep(for: .seconds(1))
        #expect(settled <= 2, "asked \(settled) times for an attempt already done")
        #expect(asks.load(ordering: .sequentiallyConsistent) == settled)

        auctioneer.cancel()
        requests.unsubscribe()
        await harness.stop()
    }

    /// The first placement's answer is lost; the request asked again is answered with cell b, which
    /// finishes first. Cell a, placed by the first request, finishes later and stores its own,
    /// different droplet: under a key of its own, never over the one the reply names.
    @Test func aTaskPlacedTwiceNeverOverwritesTheDropletItsReplyNames() async throws {
        let harness = try await Harness("placed-twice")
        let asked = Mutex<[TaskDefinition]>([])
        let requests = try harness.standIns.subscribe(Subjects.placeTask)
        let droplets = (a: try harness.work.write("a.tgz", "droplet built by cell-a\n"),
                        b: try harness.work.write("b.tgz", "droplet built by cell-b\n"))
        let auctioneers = Task {
            for await message in requests {
                guard let placement = try? Wire.decode(TaskPlacementRequest.self, from: message.payload) else { continue }
                let count = asked.withLock { $0.append(placement.task); return $0.count }
                guard count == 2, let replyTo = message.replyTo else { continue }
                try? harness.standIns.publish(replyTo, Wire.encode(TaskPlacementReply(cellID: "cell-b")))
                try await harness.complete(placement.task, as: "cell-b", storing: droplets.b, key: placement.task.dropletKey)
            }
        }
        try await harness.standIns.flush()

        let staged = try await harness.backend.stage(harness.job, onLine: { _ in })
        let b = try FileDigest.sha256(of: droplets.b)
        #expect(staged.cellID == "cell-b" && staged.digest.sha256 == b.sha256)

        let first = try #require(asked.withLock { $0.first })
        let second = try #require(asked.withLock { $0.dropFirst().first })
        #expect(first.dropletKey != nil && first.dropletKey != second.dropletKey)
        try await harness.complete(first, as: "cell-a", storing: droplets.a, key: first.dropletKey)

        // What the reply names is still cell b's droplet.
        let named = try #require(staged.blobURL)
        #expect(harness.blobstore.key(in: named) == second.dropletKey)
        let copy = harness.work.file("named.tgz")
        _ = try await HTTPTransfer().download(named, to: copy, limit: 1 << 20, timeout: .seconds(30))
        #expect(try FileDigest.sha256(of: copy).sha256 == b.sha256)

        auctioneers.cancel()
        requests.unsubscribe()
        await harness.stop()
    }

    /// Asks for the droplet's POST as a cell does; true when granted.
    static func askToPost(_ task: TaskDefinition, as cellID: String, on connection: NATSConnection) async throws -> Bool {
        let ask = DropletPostAsk(taskID: task.taskID, cellID: cellID, dropletKey: try #require(task.dropletKey))
        let answer = try await connection.request(task.postSubject, Wire.encode(ask), timeout: .seconds(10))
        return try Wire.decode(DropletPostGrant.self, from: answer.payload).granted
    }

    /// A Task placed twice may have the droplet posted to `upload_uri` by one cell only: the first
    /// placement to ask (asking again is granted again), and then its completion is the one taken,
    /// even after the other cell's, which would otherwise be relayed over what the first posted.
    @Test func onlyOnePlacementMayPostTheDropletAndItsCompletionIsTaken() async throws {
        let harness = try await Harness("post-once")
        let asked = Mutex<[TaskDefinition]>([])
        let requests = try harness.standIns.subscribe(Subjects.placeTask)
        let droplets = (a: try harness.work.write("a.tgz", "droplet built by cell-a\n"),
                        b: try harness.work.write("b.tgz", "droplet built by cell-b\n"))
        let grants = Mutex<[String: Bool]>([:])
        let auctioneers = Task {
            for await message in requests {
                guard let placement = try? Wire.decode(TaskPlacementRequest.self, from: message.payload) else { continue }
                let count = asked.withLock { $0.append(placement.task); return $0.count }
                // The first placement (cell a) is never answered; it asks first and is granted.
                if count == 1 {
                    let granted = try await Self.askToPost(placement.task, as: "cell-a", on: harness.standIns)
                    let again = try await Self.askToPost(placement.task, as: "cell-a", on: harness.standIns)
                    grants.withLock { $0["cell-a"] = granted && again }
                    continue
                }
                guard count == 2, let replyTo = message.replyTo else { continue }
                try? harness.standIns.publish(replyTo, Wire.encode(TaskPlacementReply(cellID: "cell-b")))
                let granted = try await Self.askToPost(placement.task, as: "cell-b", on: harness.standIns)
                grants.withLock { $0["cell-b"] = granted }
                // Cell b finishes first, having only stored its droplet; then cell a, having posted.
                try await harness.complete(placement.task, as: "cell-b", storing: droplets.b, key: placement.task.dropletKey)
                let first = asked.withLock { $0[0] }
                try await harness.complete(first, as: "cell-a", storing: droplets.a, key: first.dropletKey, posted: true)
            }
        }
        try await harness.standIns.flush()

        let staged = try await harness.backend.stage(harness.job(posting: DropletPost(url: "http://127.0.0.1:1/cc", attempts: 1)),
                                                     onLine: { _ in })
        #expect(grants.withLock { $0 } == ["cell-a": true, "cell-b": false])
        let a = try FileDigest.sha256(of: droplets.a)
        #expect(staged.cellID == "cell-a" && staged.digest.sha256 == a.sha256)
        guard case .posted = staged.bytes else { Issue.record("the posted droplet would be relayed: \(staged.bytes)"); return }
        #expect(harness.blobstore.key(in: try #require(staged.blobURL)) == asked.withLock { $0[0].dropletKey })

        // The attempt is over: a completion sent again (its acknowledgement lost) is acknowledged
        // at once, and a late ask to post is refused, so no cell waits on them.
        let second = asked.withLock { $0[1] }
        let late = TaskCompletion(taskID: second.taskID, cellID: "cell-b", dropletKey: second.dropletKey)
        let ack = try await harness.standIns.request(second.doneSubject, Wire.encode(late), timeout: .seconds(5))
        #expect(ack.payload.isEmpty && !ack.isNoResponders)
        #expect(try await Self.askToPost(second, as: "cell-b", on: harness.standIns) == false)

        auctioneers.cancel()
        requests.unsubscribe()
        await harness.stop()
    }

    /// A completion may name only a key this staging gave: a cell cannot have another app's blob
    /// relayed as this app's droplet.
    @Test func aCompletionNamingABlobNeverGivenFailsTheStaging() async throws {
        let harness = try await Harness("foreign-key")
        let requests = try harness.standIns.subscribe(Subjects.placeTask)
        let droplet = try harness.work.write("d.tgz", "droplet\n")
        let auctioneer = Task {
            for await message in requests {
                guard let placement = try? Wire.decode(TaskPlacementRequest.self, from: message.payload),
                      let replyTo = message.replyTo else { continue }
                try? harness.standIns.publish(replyTo, Wire.encode(TaskPlacementReply(cellID: "cell-x")))
                try await harness.complete(placement.task, as: "cell-x", storing: droplet, key: "droplets/other-app/theirs.tgz")
            }
        }
        try await harness.standIns.flush()

        await #expect {
            _ = try await harness.backend.stage(harness.job, onLine: { _ in })
        } throws: { error in
            "\(error)".contains("Cell cell-x says it stored the droplet under droplets/other-app/theirs.tgz, a blob this staging did not give it")
        }

        auctioneer.cancel()
        requests.unsubscribe()
        await harness.stop()
    }
}
