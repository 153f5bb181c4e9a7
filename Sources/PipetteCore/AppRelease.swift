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
    /// The environment the release was staged and runs with.
    public var environment: [String: String]
    /// The app package it was staged from, kept as long as the droplet.
    public var packageKey: String?
    /// True once retention removed its droplet (and package) from the blobstore: it can no longer
    /// be rolled back to.
    public var pruned: Bool

    public init(number: Int, dropletKey: String, dropletSHA256: String, dropletSize: Int64, stack: String,
                startCommand: String, detectedBuildpack: String, taskID: String, createdAt: Double, createdBy: String,
                environment: [String: String] = [:], packageKey: String? = nil) {
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
        self.environment = environment
        self.packageKey = packageKey
        pruned = false
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
        case environment, pruned
        case packageKey = "package_key"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        number = try c.decode(Int.self, forKey: .number)
        dropletKey = try c.decode(String.self, forKey: .dropletKey)
        dropletSHA256 = try c.decode(String.self, forKey: .dropletSHA256)
        dropletSize = try c.decode(Int64.self, forKey: .dropletSize)
        stack = try c.decode(String.self, forKey: .stack)
        startCommand = try c.decode(String.self, forKey: .startCommand)
        detectedBuildpack = try c.decode(String.self, forKey: .detectedBuildpack)
        taskID = try c.decode(String.self, forKey: .taskID)
        createdAt = try c.decode(Double.self, forKey: .createdAt)
        createdBy = try c.decode(String.self, forKey: .createdBy)
        environment = try c.decodeIfPresent([String: String].self, forKey: .environment) ?? [:]
        packageKey = try c.decodeIfPresent(String.self, forKey: .packageKey)
        pruned = try c.decodeIfPresent(Bool.self, forKey: .pruned) ?? false
    }
}
