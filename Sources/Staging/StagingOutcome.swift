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
    /// The cache directory held no file after the build, only directories (or nothing): the
    /// cache is worth neither keeping nor restoring (the builder makes each buildpack's folder).
    public let buildCacheIsEmpty: Bool

    public init(droplet: URL, digest: ArchiveDigest, detectedBuildpack: String, startCommand: String, buildCache: URL?,
                buildCacheIsEmpty: Bool = false) {
        self.droplet = droplet
        self.digest = digest
        self.detectedBuildpack = detectedBuildpack
        self.startCommand = startCommand
        self.buildCache = buildCache
        self.buildCacheIsEmpty = buildCacheIsEmpty
    }
}
