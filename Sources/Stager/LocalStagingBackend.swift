import Foundation
import PipetteCore
import Staging
import Transfer

/// Stages in a runc container on this host, with the stacks built here (`pipette stager --local`).
public struct LocalStagingBackend: StagingBackend {
    public let home: PipetteHome
    public let cellID: String
    let transfer = HTTPTransfer()

    public var needsUnpackedApp: Bool { true }

    public init(home: PipetteHome, cellID: String = "local-" + ProcessInfo.processInfo.hostName) {
        self.home = home
        self.cellID = cellID
    }

    public func stage(_ job: StagingJob, onLine: @escaping @Sendable (String) -> Void) async throws -> StagedDroplet {
        let (stack, rootfs) = try StackStore(directory: home.stacks).resolve(job.stack)
        let cache = try await transfer.fetchBuildCache(
            job.cacheDownloadURI, to: job.workspace.appendingPathComponent("cache-in.tgz"), limit: job.maxDownloadBytes,
            timeout: job.options.timeout, onLine: onLine)
        let outcome = try await StagingTask(home: home).stage(
            workspace: job.workspace, stack: stack, rootfs: rootfs, options: job.options,
            cacheArchive: cache, onLine: onLine)
        return StagedDroplet(outcome: outcome, stack: stack.name, cellID: cellID, blobURL: nil)
    }
}
