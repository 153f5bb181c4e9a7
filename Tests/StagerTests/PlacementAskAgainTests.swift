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

/// The stager's side of a placement asked again: an attempt whose cell finishes before any
/// placement answer comes is over, and its asking stops (the request reports its cancellation as
/// a timeout; read as "unanswered", it was asked again in a tight loop, 46,000 times in one run).
@Suite("Placement asked again", .serialized, .timeLimit(.minutes(2)))
struct PlacementAskAgainTests {
    static let quiet = Logger(label: "placement-ask-again-tests") { _ in SwiftLogNoOpLogHandler() }

    @Test func anAttemptWhoseCellFinishedBeforeThePlacementAnswerStopsAsking() async throws {
        let nats = try NATSServer()
        defer { nats.stop() }
        let work = try TemporaryDirectory("ask-again")
        defer { work.remove() }
        let listening = Reported<Int>()
        let store = ServiceHarness([BlobstoreService(config: BlobstoreConfig(directory: work.file("blobs"), port: 0),
                                                     logger: Self.quiet, onListening: { listening.set($0) })])
        let location = try BlobstoreLocation.parse("http://127.0.0.1:\(await listening.value)", environment: [:],
                                                   readFile: { _ in nil })
        let blobstore = BlobstoreClient(location: location, transfer: HTTPTransfer())
        let connection = try await NATSConnection.connect(nats.url)
        let cell = try await NATSConnection.connect(nats.url)

        // A stand-in auctioneer that never answers; the task's "cell" completes it on the first ask.
        let asks = Atomic<Int>(0)
        let requests = try cell.subscribe(Subjects.placeTask)
        let auctioneer = Task {
            for await message in requests {
                guard asks.add(1, ordering: .sequentiallyConsistent).newValue == 1,
                      let placement = try? Wire.decode(TaskPlacementRequest.self, from: message.payload) else { continue }
                let done = TaskCompletion(taskID: placement.task.taskID, cellID: "quick-cell", dropletSHA256: "0", dropletSize: 1)
                try? cell.publish(placement.task.doneSubject, Wire.encode(done))
            }
        }
        try await cell.flush()

        var backend = CellStagingBackend(nats: connection, blobstore: blobstore, placementTimeout: .seconds(30),
                                         writeCheck: BlobstoreWriteCheck(blobstore: blobstore, stager: "ask-again"))
        backend.askAgainAfter = Duration.milliseconds(200)
        let job = StagingJob(workspace: work.url, packageURI: "http://127.0.0.1:1/app.zip", taskID: "t", attemptID: "ask-again-1",
                             appID: "app", stack: "tiny-amd64", options: StagingOptions(timeout: .seconds(60)),
                             need: Resources(memoryMB: 256, diskMB: 256, containers: 1), cacheDownloadURI: nil,
                             cacheUploadURI: nil, maxDownloadBytes: 1 << 20, deadline: .now + .seconds(60))
        // Without the fix the attempt never ends (its asking spins): give it a bound instead.
        let done = Atomic<Bool>(false)
        let staging = Task {
            defer { done.store(true, ordering: .sequentiallyConsistent) }
            return try await backend.stage(job, onLine: { _ in })
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
        connection.close()
        cell.close()
        await store.stop()
    }
}
