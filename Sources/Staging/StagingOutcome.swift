import Archive
import Foundation

/// A staged droplet and what the builder decided.
public struct StagingOutcome: Sendable {
    public let droplet: URL
    public let digest: ArchiveDigest
    public let detectedBuildpack: String
    public let startCommand: String
    /// The build artifacts cache the builder wrote, when it wrote one.
    public let buildCache: URL?
}
