/// One numbered release of an app: the droplet a push or restage made, and how to run it. Old
/// releases are kept for rollback.
public struct AppRelease: Codable, Sendable, Equatable {
    public var number: Int
    /// Where the droplet is in the blobstore (`droplets/<app>/<attempt>.tgz`); URLs are signed
    /// from it when needed, since signed URLs expire.
    public var dropletKey: String
    public var dropletSHA256: String
    public var dropletSize: Int64
    public var stack: String
    public var startCommand: String
    public var detectedBuildpack: String
    /// The staging task, whose log `pipette logs APP` replays.
    public var taskID: String
    /// Unix seconds.
    public var createdAt: Double
    /// `user@host` of whoever pushed.
    public var createdBy: String

    public init(number: Int, dropletKey: String, dropletSHA256: String, dropletSize: Int64, stack: String,
                startCommand: String, detectedBuildpack: String, taskID: String, createdAt: Double, createdBy: String) {
        self.number = number
        self.dropletKey = dropletKey
        self.dropletSHA256 = dropletSHA256
        self.dropletSize = dropletSize
        self.stack = stack
        self.startCommand = startCommand
        self.detectedBuildpack = detectedBuildpack
        self.taskID = taskID
        self.createdAt = createdAt
        self.createdBy = createdBy
    }

    enum CodingKeys: String, CodingKey {
        case number, stack
        case dropletKey = "droplet_key"
        case dropletSHA256 = "droplet_sha256"
        case dropletSize = "droplet_size"
        case startCommand = "start_command"
        case detectedBuildpack = "detected_buildpack"
        case taskID = "task_id"
        case createdAt = "created_at"
        case createdBy = "created_by"
    }
}
