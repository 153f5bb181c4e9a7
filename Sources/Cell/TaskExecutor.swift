import Foundation
import PipetteCore
import Staging
import Transfer

/// Runs one staging Task on this cell: fetch the package from where the cloud controller keeps it
/// (the request's `download_uri`, as Diego's cells do), unpack it safely, build in runc on
/// the stack, store droplet and build cache, and say how it went. Never throws: every failure
/// becomes the completion's `error` sentence.
struct TaskExecutor: Sendable {
    let cellID: String
    let home: PipetteHome
    let stacks: CellStacks
    let transfer: HTTPTransfer
    let maxDownloadBytes: Int64
    /// The folder the cell's own folder of workspaces is made in.
    var workspaceDirectory = FileManager.default.temporaryDirectory
    /// Removes finished workspaces after the completion is returned; nil: removed before.
    var sweeper: WorkspaceSweeper?

    /// This cell's task workspaces live in `<workspace dir>/pipette-cell-<cell>/task-<attempt>`; the folder is the
    /// cell's alone, so cells sharing a host never touch each other's work.
    var workspaces: URL {
        workspaceDirectory.appendingPathComponent("pipette-cell-\(Subjects.token(cellID))")
    }

    /// Removes task workspaces an earlier run of this cell left when it was killed; returns how many.
    func removeLeftovers() -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: workspaces.path)) ?? []
        return names.filter { $0.hasPrefix("task") && Workspace.remove(workspaces.appendingPathComponent($0)) }.count
    }

    /// Runs `task`. `mayPost` asks the stager whether this cell may POST the droplet to the task's
    /// `droplet_post` URL itself (``DropletPostAsk``); it is asked at once, beside the build, so
    /// its answer is there when the droplet is.
    func run(_ task: TaskDefinition, mayPost: @escaping @Sendable () async -> Bool = { false },
             onLine: @escaping @Sendable (String) -> Void) async -> TaskCompletion {
        var completion = TaskCompletion(taskID: task.taskID, cellID: cellID, dropletKey: task.dropletKey)
        async let granted = task.dropletPost == nil ? false : mayPost()
        // The disk a finished task used is free again before this one writes to it.
        await sweeper?.settled()
        var created: Workspace?
        defer {
            if let created {
                if let sweeper { sweeper.remove(created) } else { created.remove() }
            }
        }
        do {
            // A fresh folder per run, whatever the task id: two runs of one id never share it.
            let attempt = try Workspace.create(in: workspaces, prefix: "task", attemptID: Workspace.newAttemptID())
            created = attempt
            let workspace = attempt.url
            guard let usable = stacks.rootfs(of: task.stack) else {
                throw TaskFailure("cell \(cellID) does not have stack \(task.stack)")
            }
            onLine("Cell \(cellID) staging on \(task.stack) (\(usable.stack.arch.machine))")
            let timeout = Duration.seconds(task.timeoutSeconds)
            let limit = min(maxDownloadBytes, task.maxDownloadBytes ?? .max)
            let package = workspace.appendingPathComponent("package.zip")
            onLine("Downloading application")
            let downloadStarted = ContinuousClock.now
            do {
                _ = try await transfer.download(task.packageURL, to: package, what: "the app package",
                                                limit: limit, timeout: timeout)
            } catch {
                if case .localWrite = error {
                    throw TaskFailure("Failed downloading app on cell \(cellID): \(error); give the cell a workspace_dir with room")
                }
                throw TaskFailure("Failed downloading app: \(error)")
            }
            completion.downloadMs = (ContinuousClock.now - downloadStarted).wholeMilliseconds
            onLine("Unpacking application")
            try AppSource.materialize(package, into: workspace.appendingPathComponent("app"))
            onLine("Staging application")
            let cache = try await transfer.fetchBuildCache(
                task.cacheDownloadURL, to: workspace.appendingPathComponent("cache-in.tgz"), limit: limit,
                timeout: timeout, onLine: onLine)
            let options = StagingOptions(
                buildpacks: task.buildpacks.isEmpty ? StagingOptions.defaultOrder : task.buildpacks,
                skipDetect: task.skipDetect, environment: task.environment, startCommand: task.startCommand,
                timeout: timeout, memoryLimitBytes: StagingOptions.memoryLimit(reservedMB: task.memoryMB))
            let outcome = try await StagingTask(home: home).stage(
                workspace: workspace, stack: usable.stack, rootfs: usable.rootfs, options: options,
                cacheArchive: cache, onLine: onLine)
            // Stored in the blobstore and, when granted, posted to the cloud controller: both at once.
            async let stored: Void = store(outcome, task, timeout: timeout, onLine: onLine)
            if let post = task.dropletPost, await granted {
                do {
                    _ = try await transfer.postMultipart(
                        outcome.droplet, field: "upload[droplet]", filename: "droplet.tgz", to: post.url,
                        attempts: post.attempts, timeout: timeout,
                        onRetry: { error, attempt in onLine("Uploading droplet failed (\(error)); retry \(attempt)") })
                    completion.dropletPosted = true
                } catch {
                    // Not this cell's to fail the staging for: the stager, which must reach
                    // upload_uri anyway, relays the stored droplet (and says why if it fails too).
                    onLine(Redaction.redact("Uploading droplet from cell \(cellID) failed (\(error)); the stager relays it"))
                }
            }
            try await stored
            await transfer.saveBuildCache(outcome.buildCache, to: task.cacheUploadURL, timeout: timeout, onLine: onLine)
            completion.detectedBuildpack = outcome.detectedBuildpack
            completion.startCommand = outcome.startCommand
            completion.dropletSHA256 = outcome.digest.sha256
            completion.dropletSize = outcome.digest.size
        } catch let error as CustomStringConvertible {
            completion.error = Redaction.redact(error.description)
            completion.dropletPosted = nil
        } catch {
            completion.error = Redaction.redact("Staging failed on cell \(cellID): \(error)")
            completion.dropletPosted = nil
        }
        return completion
    }

    /// Stores the droplet under the task's blob key, the blobstore checking its sha256.
    private func store(_ outcome: StagingOutcome, _ task: TaskDefinition, timeout: Duration,
                       onLine: @escaping @Sendable (String) -> Void) async throws {
        do {
            _ = try await transfer.upload(
                outcome.droplet, to: task.dropletUploadURL, headers: [("X-Checksum-Sha256", outcome.digest.sha256)],
                attempts: 5, timeout: timeout,
                onRetry: { error, attempt in onLine("Storing the droplet failed (\(error)); retry \(attempt)") })
        } catch {
            throw TaskFailure("Failed storing droplet in the blobstore: \(error)")
        }
    }
}
