import Archive
import Foundation
import NATS
import PipetteCore
import Staging

/// Stages on a cell: stores the package in the blobstore, asks the auctioneer to place a Task
/// needing the stack, relays the cell's log lines and waits for its completion. If the cell is
/// lost mid-task, the Task is placed once more on another cell.
struct CellStagingBackend: StagingBackend {
    let nats: NATSConnection
    let blobstore: BlobstoreClient
    let placementTimeout: Duration

    /// How one attempt ended.
    private enum Attempt {
        case completed(TaskCompletion, cellID: String)
        case lost(cellID: String, reason: String)
    }

    func stage(_ job: StagingJob, onLine: @escaping @Sendable (String) -> Void) async throws -> StagedDroplet {
        let timeout = job.options.timeout
        let digest = try FileDigest.sha256(of: job.package)
        let app = BlobstoreClient.segment(job.appID), task = BlobstoreClient.segment(job.taskID)
        let packageURL: String
        do {
            packageURL = try await blobstore.put(job.package, key: "packages/\(app)/\(task).zip", sha256: digest.sha256, timeout: timeout)
        } catch {
            throw StagingFailure("Failed storing the app package in the blobstore: \(error)")
        }
        let dropletKey = "droplets/\(app)/\(task).tgz"
        let seconds = Int(timeout.components.seconds)
        var losses: [(cellID: String, reason: String)] = []
        for attempt in 1...2 {
            let definition = TaskDefinition(
                taskID: attempt == 1 ? job.taskID : job.taskID + "-retry", appID: job.appID, stack: job.stack,
                memoryMB: job.need.memoryMB, diskMB: job.need.diskMB, packageURL: packageURL,
                dropletUploadURL: blobstore.url("PUT", key: dropletKey, validFor: seconds + 3600),
                cacheDownloadURL: job.cacheDownloadURI, cacheUploadURL: job.cacheUploadURI,
                buildpacks: job.options.buildpacks, skipDetect: job.options.skipDetect,
                environment: job.options.environment, startCommand: job.options.startCommand, timeoutSeconds: seconds,
                eventsSubject: "pipette.task." + Subjects.token(job.taskID) + "." + String(nats.newInbox().suffix(12)))
            let outcome: Attempt
            do {
                outcome = try await run(definition, excluding: losses.map(\.cellID), onLine: onLine)
            } catch let error as StagingFailure {
                guard let lost = losses.first else { throw error }
                throw StagingFailure("Cell \(lost.cellID) was lost mid-task (\(lost.reason)) and no other cell took the task: \(error)")
            }
            switch outcome {
            case .completed(let completion, let cellID):
                if let error = completion.error { throw StagingFailure(error) }
                let droplet = try await fetchDroplet(dropletKey, into: job.workspace, completion: completion, timeout: timeout)
                return StagedDroplet(
                    outcome: StagingOutcome(droplet: droplet, digest: ArchiveDigest(sha256: completion.dropletSHA256 ?? "",
                                                                                    size: completion.dropletSize ?? 0),
                                            detectedBuildpack: completion.detectedBuildpack ?? "",
                                            startCommand: completion.startCommand ?? "", buildCache: nil),
                    stack: job.stack, cellID: cellID, blobURL: blobstore.getURL(dropletKey))
            case .lost(let cellID, let reason):
                losses.append((cellID, reason))
                if attempt == 1 { onLine("Cell \(cellID) was lost (\(reason)); placing the task on another cell") }
            }
        }
        throw StagingFailure("Staging failed: " + losses.map { "cell \($0.cellID) was lost mid-task (\($0.reason))" }
            .joined(separator: ", and then "))
    }

    /// Places one attempt and follows it until the cell completes it or is lost. Cancelling
    /// (the stager's timeout) tells the cell to stop.
    private func run(_ task: TaskDefinition, excluding: [String], onLine: @Sendable (String) -> Void) async throws -> Attempt {
        let events = try nats.subscribe([task.eventsSubject + ".>", Subjects.cellLost], bufferSize: 65_536)
        defer { events.unsubscribe() }
        try await nats.flush()
        let cellID = try await place(task, excluding: excluding)
        var finished = false
        defer {
            if !finished { try? nats.publish(Subjects.cancel(cell: cellID), Wire.encode(TaskCancel(taskID: task.taskID))) }
        }
        for await message in events {
            switch message.subject {
            case task.logSubject:
                onLine(String(decoding: message.payload, as: UTF8.self))
            case task.doneSubject:
                finished = true
                return .completed(try Wire.decode(TaskCompletion.self, from: message.payload), cellID: cellID)
            case Subjects.cellLost:
                guard let loss = try? Wire.decode(CellLoss.self, from: message.payload), loss.cellID == cellID else { continue }
                finished = true
                return .lost(cellID: cellID, reason: loss.reason)
            default:
                continue
            }
        }
        throw CancellationError()
    }

    /// Asks the auctioneer for a cell; its error sentence becomes the staging error.
    private func place(_ task: TaskDefinition, excluding: [String]) async throws -> String {
        let answer: NATSMessage
        do {
            answer = try await nats.request(Subjects.placeTask, Wire.encode(TaskPlacementRequest(task: task, exclude: excluding)),
                                            timeout: placementTimeout)
        } catch {
            if case .noResponders = error {
                throw StagingFailure("no auctioneer is answering on \(Subjects.placeTask); start one with `pipette auctioneer`")
            }
            throw StagingFailure("the auctioneer did not place the task: \(error)")
        }
        let reply = try Wire.decode(TaskPlacementReply.self, from: answer.payload)
        guard let cellID = reply.cellID else { throw StagingFailure(reply.error ?? "the auctioneer placed the task nowhere") }
        return cellID
    }

    /// Brings the droplet the cell stored back, for the POST to the cloud controller.
    private func fetchDroplet(_ key: String, into workspace: URL, completion: TaskCompletion,
                              timeout: Duration) async throws -> URL {
        let file = workspace.appendingPathComponent("droplet.tgz")
        do {
            _ = try await blobstore.transfer.download(blobstore.url("GET", key: key, validFor: 600), to: file,
                                                      limit: Int64.max, timeout: timeout)
        } catch {
            throw StagingFailure("Failed fetching the droplet cell \(completion.cellID) stored: \(error)")
        }
        let digest = try FileDigest.sha256(of: file)
        guard digest.sha256 == completion.dropletSHA256 else {
            throw StagingFailure("The droplet in the blobstore does not match what cell \(completion.cellID) built "
                                 + "(sha256 \(digest.sha256), expected \(completion.dropletSHA256 ?? "none"))")
        }
        return file
    }
}
