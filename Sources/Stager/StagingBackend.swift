import Archive
import Foundation
import PipetteCore
import Staging

/// Where the builder runs: on this host (`LocalStagingBackend`), or on a cell the auctioneer
/// chose (`CellStagingBackend`). The stager's workflow is the same for both.
public protocol StagingBackend: Sendable {
    /// Stages `job`; streams builder output to `onLine`.
    func stage(_ job: StagingJob, onLine: @escaping @Sendable (String) -> Void) async throws -> StagedDroplet

    /// Whether the backend fetches the app package from the job's `packageURI` itself (a cell
    /// does, as Diego's cells do: one trip, and the package never passes through the stager).
    /// Otherwise the stager downloads it and unpacks it into the job's workspace (`app/`).
    var fetchesPackage: Bool { get }
}

/// A droplet a backend produced, and where.
public struct StagedDroplet: Sendable {
    /// Where the droplet's bytes are.
    public enum Bytes: Sendable {
        /// A file on this host (staged here).
        case file(URL)
        /// A blob a cell stored, read with this (signed) URL.
        case stored(readURL: String)
        /// A blob a cell stored and also posted to `upload_uri` itself (granted): nothing to move.
        case posted
    }

    public let bytes: Bytes
    /// What the builder made: the stager checks the bytes against it before they go on.
    public let digest: ArchiveDigest
    public let detectedBuildpack: String
    public let startCommand: String
    /// The build artifacts cache, when the builder wrote one on this host.
    public let buildCache: URL?
    public let stack: String
    public let cellID: String
    /// Set when the droplet is already in the blobstore (a cell stored it): the reply's URL.
    public let blobURL: String?
    /// How long fetching the package took, when the backend fetched it (a cell).
    public let downloadMs: Int?

    public init(bytes: Bytes, digest: ArchiveDigest, detectedBuildpack: String, startCommand: String, buildCache: URL?,
                stack: String, cellID: String, blobURL: String?, downloadMs: Int? = nil) {
        self.bytes = bytes
        self.digest = digest
        self.detectedBuildpack = detectedBuildpack
        self.startCommand = startCommand
        self.buildCache = buildCache
        self.stack = stack
        self.cellID = cellID
        self.blobURL = blobURL
        self.downloadMs = downloadMs
    }

    /// A droplet staged on this host.
    public init(staged outcome: StagingOutcome, stack: String, cellID: String) {
        self.init(bytes: .file(outcome.droplet), digest: outcome.digest, detectedBuildpack: outcome.detectedBuildpack,
                  startCommand: outcome.startCommand, buildCache: outcome.buildCache, stack: stack, cellID: cellID, blobURL: nil)
    }
}
