import Foundation
import PipetteCore
import Staging

/// Where the builder runs. Today the stager's own host (`LocalStagingBackend`); with cells and
/// the auctioneer, a Task placed on a cell that has the stack — the stager does not change.
public protocol StagingBackend: Sendable {
    /// Stages the app in `workspace/app` on `stack`; streams builder output to `onLine`.
    func stage(workspace: URL, stack: String, options: StagingOptions, cacheArchive: URL?,
               onLine: @escaping @Sendable (String) -> Void) async throws -> StagedDroplet
}

/// A droplet a backend produced, and where.
public struct StagedDroplet: Sendable {
    public let outcome: StagingOutcome
    public let stack: Stack
    public let cellID: String
}
