import Foundation
import PipetteCore
import Staging

/// One staging as the stager hands it to a backend.
public struct StagingJob: Sendable {
    /// Holds the validated app package as `package.zip` and unpacked in `app/`; outputs land here.
    public let workspace: URL
    public let taskID: String
    public let appID: String
    public let stack: String
    public let options: StagingOptions
    /// What the staging container reserves on its cell.
    public let need: Resources
    public let cacheDownloadURI: String?
    public let cacheUploadURI: String?
    public let maxDownloadBytes: Int64

    public var package: URL { workspace.appendingPathComponent("package.zip") }
}
