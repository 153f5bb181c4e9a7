import Foundation
import PipetteCore
import Staging

/// Stages in a runc container on this host, with the stacks built here.
public struct LocalStagingBackend: StagingBackend {
    public let home: PipetteHome
    public let cellID: String

    public init(home: PipetteHome, cellID: String = "local-" + ProcessInfo.processInfo.hostName) {
        self.home = home
        self.cellID = cellID
    }

    public func stage(workspace: URL, stack name: String, options: StagingOptions, cacheArchive: URL?,
                      onLine: @escaping @Sendable (String) -> Void) async throws -> StagedDroplet {
        let (stack, rootfs) = try StackStore(directory: home.stacks).resolve(name)
        let outcome = try await StagingTask(home: home).stage(
            workspace: workspace, stack: stack, rootfs: rootfs, options: options,
            cacheArchive: cacheArchive, onLine: onLine)
        return StagedDroplet(outcome: outcome, stack: stack, cellID: cellID)
    }
}
