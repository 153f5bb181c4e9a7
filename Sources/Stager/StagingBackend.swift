import Foundation
import PipetteCore
import Staging

/// Where the builder runs: on this host (`LocalStagingBackend`), or on a cell the auctioneer
/// chose (`CellStagingBackend`). The stager's workflow is the same for both.
public protocol StagingBackend: Sendable {
    /// Stages `job`; streams builder output to `onLine`.
    func stage(_ job: StagingJob, onLine: @escaping @Sendable (String) -> Void) async throws -> StagedDroplet

    /// Whether the builder works on the app unpacked in the job's workspace (`app/`). A backend
    /// whose cell fetches and unpacks the package itself has the stager only validate it.
    var needsUnpackedApp: Bool { get }
}

/// A droplet a backend produced, and where.
public struct StagedDroplet: Sendable {
    public let outcome: StagingOutcome
    public let stack: String
    public let cellID: String
    /// Set when the droplet is already in the blobstore (a cell stored it).
    public let blobURL: String?
}
