import Container
import Foundation
import Logging
import PipetteCore
import Staging
import Transfer

/// Stages in a runc container on this host, with the stacks built here (`pipette stager --local`).
public struct LocalStagingBackend: StagingBackend {
    public let home: PipetteHome
    public let cellID: String
    let transfer = HTTPTransfer()
    /// Runs the builder's containers, logging at the stager's level (`pipette together` gives
    /// each service its own).
    let runner: ContainerRunner

    public var fetchesPackage: Bool { false }

    public init(home: PipetteHome, cellID: String = "local-" + ProcessInfo.processInfo.hostName, logLevel: Logger.Level? = nil) {
        self.home = home
        self.cellID = cellID
        var logger = Logger(label: "pipette.container")
        if let logLevel { logger.logLevel = logLevel }
        runner = ContainerRunner(logger: logger)
    }

    public func stage(_ job: StagingJob, onLine: @escaping @Sendable (String) -> Void) async throws -> StagedDroplet {
        let (stack, rootfs) = try StackStore(directory: home.stacks).resolve(job.stack)
        let cache = try await transfer.fetchBuildCache(
            job.cacheDownloadURI, to: job.workspace.appendingPathComponent("cache-in.tgz"), limit: job.maxDownloadBytes,
            timeout: job.options.timeout, onLine: onLine)
        let outcome = try await StagingTask(home: home, runner: runner).stage(
            workspace: job.workspace, stack: stack, rootfs: rootfs, options: job.options,
            cacheArchive: cache, onLine: onLine)
        return StagedDroplet(staged: outcome, stack: stack.name, cellID: cellID)
    }
}
