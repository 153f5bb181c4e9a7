import Archive
import Foundation
import Logging
import PipetteCore
import Staging
import Transfer

/// One staging task, the seed's steps in order: set up, download, unpack (here, or on the cell that
/// builds), stage (in a container, through the backend), create and upload the droplet, reply. Every failure becomes the reply's
/// `error` sentence; the whole task is bounded by `max_staging_duration`.
struct StagingWorkflow: Sendable {
    let config: StagerConfig
    let backend: any StagingBackend
    let transfer: HTTPTransfer
    let blobstore: BlobstoreClient?
    let logger: Logger

    func run(_ request: StagingRequest, taskID: String, progress: TaskProgress) async -> StagingReply {
        var reply = StagingReply(taskID: taskID, taskLog: "")
        let limit = Duration.seconds(config.maxStagingDuration)
        let deadline = ContinuousClock.now + limit
        do {
            reply = try await withThrowingTaskGroup(of: StagingReply.self) { group in
                group.addTask { try await steps(request, taskID: taskID, deadline: deadline, progress: progress) }
                group.addTask {
                    try await Task.sleep(for: limit)
                    throw StagingError.timedOut(seconds: config.maxStagingDuration, phase: progress.phase.rawValue)
                }
                defer { group.cancelAll() }
                return try await group.next()!
            }
        } catch {
            reply.error = Self.sentence(for: error, phase: progress.phase)
            logger.info("staging failed", metadata: ["task": "\(taskID)", "app": "\(request.appID)", "error": "\(reply.error!)"])
        }
        reply.taskLog = progress.text
        return reply
    }

    private func steps(_ request: StagingRequest, taskID: String, deadline: ContinuousClock.Instant,
                       progress: TaskProgress) async throws -> StagingReply {
        var reply = StagingReply(taskID: taskID, taskLog: "")
        let clock = ContinuousClock()
        progress.begin(.setup, "Setting up temporary directories")
        let attemptID = Workspace.newAttemptID()
        let parent = config.workspaceDir.map { URL(fileURLWithPath: $0) } ?? FileManager.default.temporaryDirectory
        let workspace = try Workspace.create(in: parent, prefix: "pipette-stage", attemptID: attemptID)
        defer { workspace.remove() }

        var started = clock.now
        if !backend.fetchesPackage {
            progress.begin(.download, "Downloading application")
            let package = workspace.url.appendingPathComponent("package.zip")
            _ = try await transfer.download(request.downloadURI, to: package, what: "the app package",
                                            limit: Int64(config.maxDownloadMB) << 20,
                                            timeout: .seconds(config.maxStagingDuration))
            reply.durationsMs["download"] = (clock.now - started).wholeMilliseconds
            progress.begin(.unpack, "Unpacking application")
            try AppSource.materialize(package, into: workspace.url.appendingPathComponent("app"))
            progress.begin(.compile, "Staging application")
        } else {
            // A cell fetches and unpacks the package where it builds and logs the seed's lines
            // for those steps: the package makes one trip, never through this host.
            progress.enter(.compile)
        }
        started = clock.now
        let staged = try await backend.stage(job(for: request, taskID: taskID, attemptID: attemptID, workspace: workspace.url, deadline: deadline), onLine: progress.log)
        reply.durationsMs["stage"] = (clock.now - started).wholeMilliseconds
        if let download = staged.downloadMs {
            // The cell fetched the package: its download is reported apart, as on this host.
            reply.durationsMs["download"] = download
            reply.durationsMs["stage", default: 0] -= min(download, reply.durationsMs["stage", default: 0])
        }
        reply.stack = staged.stack
        reply.cellID = staged.cellID
        reply.detectedBuildpack = staged.detectedBuildpack
        reply.startCommand = staged.startCommand

        progress.begin(.upload, "Creating droplet")
        let digest = staged.digest
        reply.droplet = StagingReply.Droplet(sha256: digest.sha256, size: digest.size, blobURL: nil)
        progress.log("Uploading droplet")
        started = clock.now
        reply.droplet?.blobURL = try await upload(staged, request: request, attemptID: attemptID, progress: progress)
        reply.durationsMs["upload"] = (clock.now - started).wholeMilliseconds
        progress.log("Done!")
        return reply
    }

    private func job(for request: StagingRequest, taskID: String, attemptID: String, workspace: URL,
                     deadline: ContinuousClock.Instant) -> StagingJob {
        let resources = request.properties?.resources
        let need = Resources(memoryMB: resources?.memory.flatMap { $0 > 0 ? $0 : nil } ?? config.stagingMemoryMB,
                             diskMB: resources?.disk.flatMap { $0 > 0 ? $0 : nil } ?? config.stagingDiskMB, containers: 1)
        return StagingJob(
            workspace: workspace, packageURI: request.downloadURI, taskID: taskID, attemptID: attemptID, appID: request.appID,
            stack: request.stack ?? config.defaultStack,
            options: options(for: request, need: need), need: need,
            dropletPost: request.uploadURI.map { DropletPost(url: $0, attempts: config.uploadAttempts) },
            cacheDownloadURI: request.buildpackCacheDownloadURI, cacheUploadURI: request.buildpackCacheUploadURI,
            maxDownloadBytes: Int64(config.maxDownloadMB) << 20, deadline: deadline)
    }

    /// `need` is what the Task reserves; the container's memory limit follows from it by
    /// ``StagingOptions/memoryLimit(reservedMB:)``, the rule a cell applies too.
    private func options(for request: StagingRequest, need: Resources) -> StagingOptions {
        var environment = request.environment ?? [:]
        environment["VCAP_SERVICES"] = environment["VCAP_SERVICES"] ?? request.vcapServices
        if let memory = request.properties?.resources?.memory { environment["MEMORY_LIMIT"] = "\(memory)m" }
        return StagingOptions(
            buildpacks: request.buildpacks.flatMap { $0.isEmpty ? nil : $0 } ?? StagingOptions.defaultOrder,
            skipDetect: request.skipDetect ?? false, environment: environment, startCommand: request.startCommand,
            timeout: .seconds(config.maxStagingDuration), memoryLimitBytes: StagingOptions.memoryLimit(reservedMB: need.memoryMB))
    }

    /// Gets the droplet to the blobstore (and the build cache to its URI), and POSTs it to
    /// `upload_uri`: from this host's file, or relayed from the blob a cell stored.
    private func upload(_ staged: StagedDroplet, request: StagingRequest, attemptID: String,
                        progress: TaskProgress) async throws -> String? {
        let timeout = Duration.seconds(config.maxStagingDuration)
        let onRetry: @Sendable (TransferError, Int) -> Void = { error, attempt in
            progress.log("Uploading droplet failed (\(error)); retry \(attempt)")
        }
        switch staged.bytes {
        case .file(let droplet):
            var blobURL = staged.blobURL
            if blobURL == nil, let blobstore {
                let key = BlobstoreClient.dropletKey(appID: request.appID, attemptID: attemptID)
                do {
                    blobURL = try await blobstore.put(droplet, key: key, sha256: staged.digest.sha256, timeout: timeout)
                } catch {
                    throw StagingFailure("Failed storing droplet in the blobstore: \(error)")
                }
            }
            await transfer.saveBuildCache(staged.buildCache, to: request.buildpackCacheUploadURI, timeout: timeout,
                                          onLine: progress.log)
            if let uploadURI = request.uploadURI {
                do {
                    _ = try await transfer.postMultipart(droplet, field: "upload[droplet]", filename: "droplet.tgz", to: uploadURI,
                                                         attempts: config.uploadAttempts, timeout: timeout, onRetry: onRetry)
                } catch {
                    throw StagingFailure("Failed uploading droplet: \(error)")
                }
            }
            return blobURL
        case .stored(let readURL):
            // Without an upload_uri the stored droplet is still read once and checked.
            do {
                try await transfer.relayMultipart(from: readURL, expected: staged.digest, field: "upload[droplet]",
                                                  filename: "droplet.tgz", to: request.uploadURI,
                                                  attempts: config.uploadAttempts, timeout: timeout, onRetry: onRetry)
            } catch {
                switch error {
                case .source(let cause):
                    let said = blobstore?.explained(cause, method: "GET") ?? cause
                    throw StagingFailure("Failed fetching the droplet cell \(staged.cellID) stored: \(said)")
                case .mismatch(let got):
                    throw StagingFailure("The droplet in the blobstore does not match what cell \(staged.cellID) built "
                                         + "(sha256 \(got.sha256), expected \(staged.digest.sha256))")
                case .destination(let cause):
                    throw StagingFailure("Failed uploading droplet: \(cause)")
                }
            }
            return staged.blobURL
        case .posted:
            return staged.blobURL
        }
    }

    /// The reply's `error`: one sentence naming the step that failed, with no secret and no host
    /// path in it.
    static func sentence(for error: any Error, phase: TaskProgress.Phase) -> String {
        Redaction.scrubWorkspaces(Redaction.redact(unredactedSentence(for: error, phase: phase)))
    }

    private static func unredactedSentence(for error: any Error, phase: TaskProgress.Phase) -> String {
        switch error {
        case let error as TransferError where phase == .download:
            "Failed downloading app: \(error)"
        case let error as CustomStringConvertible:
            error.description
        default:
            "Staging failed: \(error)"
        }
    }
}
