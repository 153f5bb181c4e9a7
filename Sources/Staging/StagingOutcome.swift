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
    /// The folder the builder's cache was in (it lives as long as the workspace).
    public let buildCacheDirectory: URL?

    public init(droplet: URL, digest: ArchiveDigest, detectedBuildpack: String, startCommand: String, buildCache: URL?,
                buildCacheDirectory: URL? = nil) {
        self.droplet = droplet
        self.digest = digest
        self.detectedBuildpack = detectedBuildpack
        self.startCommand = startCommand
        self.buildCache = buildCache
        self.buildCacheDirectory = buildCacheDirectory
    }

    /// The cache folder holds no file or link, only folders (or nothing): the cache is worth
    /// neither keeping nor restoring (the builder makes each buildpack's folder itself). Reads the
    /// folder when asked: only `pipette build` asks, the cell and stager upload the cache anyway.
    public var buildCacheIsEmpty: Bool { buildCacheDirectory.map { !StagingTask.holdsFiles($0) } ?? false }
}
