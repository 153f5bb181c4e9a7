import Archive
import Foundation
import NATS
import PipetteCore
import Staging
import Synchronization

/// Stages on a cell: asks the auctioneer to place a Task needing the stack (the cell fetches the
/// package from the request's `download_uri` itself), relays the cell's log lines and waits for
/// its completion; the droplet the cell stores stays in the blobstore. If the cell is lost
/// mid-task, the Task is placed once more on another cell.
struct CellStagingBackend: StagingBackend {
    let nats: NATSConnection
    let blobstore: BlobstoreClient
    let placementTimeout: Duration
    /// Asked before placing: a blobstore that refuses writes fails the staging before a build.
    let writeCheck: BlobstoreWriteCheck
    /// How long a staging keeps asking while no auctioneer is subscribed to `Subjects.placeTask`.
    var auctioneerGrace: Duration = .seconds(10)
    /// How long a placement may go unanswered before it is asked again (see `place`).
    var askAgainAfter: Duration = .seconds(15)
    /// Every attempt's task events (and cell losses), through one subscription for this stager.
    let events: SubjectMux
    /// This stager run's part of its tasks' event subjects (another stager's are not delivered here).
    private let stager: String

    init(nats: NATSConnection, blobstore: BlobstoreClient, placementTimeout: Duration, writeCheck: BlobstoreWriteCheck) {
        self.nats = nats
        self.blobstore = blobstore
        self.placementTimeout = placementTimeout
        self.writeCheck = writeCheck
        stager = String(nats.newInbox().suffix(12))
        events = SubjectMux(connection: nats, prefix: Subjects.taskEvents(stager: stager), broadcast: [Subjects.cellLost],
                            onUnrouted: { [nats] message in
            // An attempt no longer followed (finished, or given up): its cell must not keep asking.
            guard let replyTo = message.replyTo else { return }
            if message.subject.hasSuffix(TaskDefinition.doneSuffix) {
                try? nats.publish(replyTo, [UInt8]())
            } else if message.subject.hasSuffix(TaskDefinition.postSuffix) {
                try? nats.publish(replyTo, Wire.encode(DropletPostGrant(granted: false)))
            }
        })
    }

    var fetchesPackage: Bool { true }

    /// How one attempt ended (`posted`: the cell posted the droplet to `upload_uri` itself, granted).
    private enum Attempt {
        case completed(TaskCompletion, cellID: String, posted: Bool)
        case lost(cellID: String, reason: String)
    }

    func stage(_ job: StagingJob, onLine: @escaping @Sendable (String) -> Void) async throws -> StagedDroplet {
        let timeout = job.options.timeout
        try await writeCheck.ensure(scratch: job.workspace, timeout: timeout)
        let seconds = Int(timeout.components.seconds)
        var losses: [(cellID: String, reason: String)] = []
        for attempt in 1...2 {
            let taskID = job.attemptID + (attempt == 1 ? "" : "-retry")
            let keys = DropletKeys(appID: job.appID, attemptID: taskID) { [blobstore] key in
                blobstore.url("PUT", key: key, validFor: seconds + 3600)
            }
            let (dropletKey, dropletUploadURL) = keys.next()
            let definition = TaskDefinition(
                taskID: taskID, appID: job.appID, stack: job.stack,
                memoryMB: job.need.memoryMB, diskMB: job.need.diskMB, packageURL: job.packageURI,
                maxDownloadBytes: job.maxDownloadBytes,
                dropletUploadURL: dropletUploadURL, dropletKey: dropletKey, dropletPost: job.dropletPost,
                cacheDownloadURL: job.cacheDownloadURI, cacheUploadURL: job.cacheUploadURI,
                buildpacks: job.options.buildpacks, skipDetect: job.options.skipDetect,
                environment: job.options.environment, startCommand: job.options.startCommand, timeoutSeconds: seconds,
                eventsSubject: Subjects.taskEvents(stager: stager, attempt: taskID))
            let outcome: Attempt
            do {
                outcome = try await run(definition, keys: keys, excluding: losses.map(\.cellID), deadline: job.deadline,
                                        onLine: onLine)
            } catch let error as StagingFailure {
                guard let lost = losses.first else { throw error }
                throw StagingFailure("Cell \(lost.cellID) was lost mid-task (\(lost.reason)) and no other cell took the task: \(error)")
            }
            switch outcome {
            case .completed(let completion, let cellID, let posted):
                if let error = completion.error {
                    writeCheck.forget()
                    throw StagingFailure(error)
                }
                // The droplet stays in the blobstore, under the key this cell was given: unless the
                // cell posted it to the cloud controller itself, the workflow relays it from there,
                // checking it against what the cell says it built.
                let stored = completion.dropletKey ?? dropletKey
                guard keys.wasIssued(stored) else {
                    throw StagingFailure("Cell \(cellID) says it stored the droplet under \(stored), a blob this staging did not give it")
                }
                return StagedDroplet(
                    bytes: posted ? .posted : .stored(readURL: blobstore.url("GET", key: stored, validFor: seconds + 600)),
                    digest: ArchiveDigest(sha256: completion.dropletSHA256 ?? "", size: completion.dropletSize ?? 0),
                    detectedBuildpack: completion.detectedBuildpack ?? "", startCommand: completion.startCommand ?? "",
                    buildCache: nil, stack: job.stack, cellID: cellID, blobURL: blobstore.getURL(stored),
                    downloadMs: completion.downloadMs)
            case .lost(let cellID, let reason):
                losses.append((cellID, reason))
                if attempt == 1 { onLine("Cell \(cellID) was lost (\(reason)); placing the task on another cell") }
            }
        }
        throw StagingFailure("Staging failed: " + losses.map { "cell \($0.cellID) was lost mid-task (\($0.reason))" }
            .joined(separator: ", and then "))
    }

    /// Places one attempt and follows it until the cell completes it or is lost; while it waits for
    /// a cell with room, the auctioneer's notices become log lines. Cancelling (the stager's
    /// timeout) tells the cell, or the auctioneer still holding it, to drop it.
    private func run(_ task: TaskDefinition, keys: DropletKeys, excluding: [String], deadline: ContinuousClock.Instant,
                     onLine: @escaping @Sendable (String) -> Void) async throws -> Attempt {
        // The cell's events come from another connection, perhaps through another NATS node: the
        // stager's subscription is flushed once, so the server has told the other nodes before
        // any placement request leaves (one connection's order is not enough in a cluster).
        let events = try await self.events.follow(task.eventsSubject)
        defer { events.stop() }
        let placedOn = PlacedCell()
        let post = PostGrant()
        var finished = false
        defer {
            if !finished {
                let cancel = Wire.encode(TaskCancel(taskID: task.taskID))
                if let cellID = placedOn.id {
                    try? nats.publish(Subjects.cancel(cell: cellID), cancel)
                } else {
                    try? nats.publish(Subjects.cancelPlacement, cancel)
                }
            }
        }
        let outcome = try await withThrowingTaskGroup(of: Attempt?.self) { group in
            group.addTask {
                let cellID = try await place(task, keys: keys, excluding: excluding, deadline: deadline, onLine: onLine)
                placedOn.id = cellID
                return nil
            }
            group.addTask {
                for await message in events {
                    switch message.subject {
                    case task.logSubject:
                        onLine(String(decoding: message.payload, as: UTF8.self))
                    case task.waitingSubject:
                        if let wait = try? Wire.decode(PlacementWait.self, from: message.payload) { onLine(wait.logLine) }
                    case task.postSubject:
                        guard let replyTo = message.replyTo, let ask = try? Wire.decode(DropletPostAsk.self, from: message.payload),
                              keys.wasIssued(ask.dropletKey) else { continue }
                        let granted = post.grant(ask.dropletKey, cellID: ask.cellID)
                        try? nats.publish(replyTo, Wire.encode(DropletPostGrant(granted: granted)))
                    case task.doneSubject:
                        // The cell sends it again until acknowledged (it may have been lost with a NATS node).
                        if let replyTo = message.replyTo { try? nats.publish(replyTo, [UInt8]()) }
                        let completion = try Wire.decode(TaskCompletion.self, from: message.payload)
                        // Once one placement may post the droplet, its completion is the one taken: the
                        // other placement's droplet must not be relayed over the one it posts.
                        if let holder = post.holder, completion.dropletKey != holder { continue }
                        let posted = completion.dropletPosted == true && post.holder != nil
                        return .completed(completion, cellID: completion.cellID, posted: posted)
                    case Subjects.cellLost:
                        // The cell placed, or the one whose completion is awaited because it may post.
                        guard let loss = try? Wire.decode(CellLoss.self, from: message.payload),
                              loss.cellID == placedOn.id || loss.cellID == post.holderCell else { continue }
                        return .lost(cellID: loss.cellID, reason: loss.reason)
                    default:
                        continue
                    }
                }
                throw CancellationError()
            }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let result { return result }
            }
            throw CancellationError()
        }
        finished = true
        return outcome
    }

    /// Asks the auctioneer for a cell, letting the Task wait for room until shortly before the
    /// staging deadline; the auctioneer's error sentence becomes the staging error. While no
    /// auctioneer is subscribed (one reconnecting after its NATS node was lost, or still starting)
    /// it asks again for up to `auctioneerGrace`. Without an answer within `askAgainAfter` it asks
    /// again: the request or its answer may have been lost with a NATS node (core NATS delivers at
    /// most once), and the auctioneer never places one task twice (it answers with the cell it
    /// chose, or keeps the waiting task's place).
    private func place(_ task: TaskDefinition, keys: DropletKeys, excluding: [String], deadline: ContinuousClock.Instant,
                       onLine: @Sendable (String) -> Void) async throws -> String {
        let answer: NATSMessage
        // The first request carries the Task as it is; each one after it, a droplet key of its own
        // (see `DropletKeys`): a cell placed by an auctioneer that never saw the first request
        // must not write where the first cell does.
        var asked = 0
        let request = { () -> TaskDefinition in
            asked += 1
            guard asked > 1 else { return task }
            var again = task
            (again.dropletKey, again.dropletUploadURL) = keys.next()
            return again
        }
        // The auctioneer answers "waited N seconds …" a little before the stager's own timeout.
        let wait = { max(0, Int((deadline - ContinuousClock.now).components.seconds) - 3) }
        while true {
            let untilDeadline = max(placementTimeout, .seconds(wait() + 5))
            do {
                answer = try await nats.request(
                    Subjects.placeTask, timeout: min(untilDeadline, askAgainAfter), waitingForRespondersUpTo: auctioneerGrace,
                    onWaiting: {
                        onLine("No auctioneer is answering on \(Subjects.placeTask) yet; asking again for up to "
                               + "\(auctioneerGrace.components.seconds) s")
                    },
                    payload: { Wire.encode(TaskPlacementRequest(task: request(), exclude: excluding, waitSeconds: wait())) })
                break
            } catch {
                // A cancelled attempt (its cell finished before the answer came) ends here: the
                // request reports cancellation as a timeout, which must not be asked again.
                if Task.isCancelled { throw CancellationError() }
                if case .timedOut = error, untilDeadline > askAgainAfter { continue }
                if case .noResponders = error {
                    throw StagingFailure("no auctioneer is answering on \(Subjects.placeTask) (asked for "
                                         + "\(auctioneerGrace.components.seconds) s); start one with `pipette auctioneer`")
                }
                throw StagingFailure("the auctioneer did not place the task: \(error)")
            }
        }
        let reply = try Wire.decode(TaskPlacementReply.self, from: answer.payload)
        guard let cellID = reply.cellID else { throw StagingFailure(reply.error ?? "the auctioneer placed the task nowhere") }
        return cellID
    }

}

/// Which placement of an attempt may post the droplet to `upload_uri` itself: the first to ask
/// (by its blob key; asking again, its answer lost, is granted again), never a second one.
private final class PostGrant: Sendable {
    private let granted = Mutex<(key: String, cellID: String)?>(nil)

    /// The blob key of the placement granted.
    var holder: String? { granted.withLock { $0?.key } }
    /// Its cell.
    var holderCell: String? { granted.withLock { $0?.cellID } }

    func grant(_ key: String, cellID: String) -> Bool {
        granted.withLock { holder in
            if holder == nil { holder = (key, cellID) }
            return holder?.key == key
        }
    }
}

/// The cell an attempt was placed on, once the auctioneer has said.
private final class PlacedCell: Sendable {
    private let value = Mutex<String?>(nil)
    var id: String? {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}
