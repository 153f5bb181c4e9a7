import Foundation
import PipetteCore
import Staging

/// One staging as the stager hands it to a backend.
public struct StagingJob: Sendable {
    /// Holds the app package as `package.zip` and unpacked in `app/` (unless the backend fetches
    /// it itself); outputs land here.
    public let workspace: URL
    /// Where the app package is: the request's `download_uri`.
    public let packageURI: String
    public let taskID: String
    /// Unique per attempt (a duplicate or retry of a task gets its own): names blobs and cell work,
    /// so two attempts of one task, or two task ids that look alike, never share a file.
    public let attemptID: String
    public let appID: String
    public let stack: String
    public let options: StagingOptions
    /// What the staging container reserves on its cell.
    public let need: Resources
    /// Where the droplet goes (the request's `upload_uri`) and how often to try; a cell may post it
    /// there itself (``DropletPost``). Nil: nowhere.
    public let dropletPost: DropletPost?
    public let cacheDownloadURI: String?
    public let cacheUploadURI: String?
    /// The most the package and the build cache may be (`max_download_mb`).
    public let maxDownloadBytes: Int64
    /// When the whole staging must be done (`max_staging_duration` after the request came in):
    /// what is left of it is how long the Task may wait for a cell with room.
    public let deadline: ContinuousClock.Instant
}
