/// What a cell publishes on a task's `done` subject when the task ends, either way.
public struct TaskCompletion: Codable, Sendable, Equatable {
    public var taskID: String
    public var cellID: String
    /// A sentence a person can act on; nil when the droplet was stored.
    public var error: String?
    public var detectedBuildpack: String?
    public var startCommand: String?
    public var dropletSHA256: String?
    public var dropletSize: Int64?
    /// How long the cell took to fetch the app package (the reply's `durations_ms.download`).
    public var downloadMs: Int?
    /// The task's `droplet_key`: which blob this cell stored the droplet in.
    public var dropletKey: String?
    /// True when the cell also POSTed the droplet to the task's `droplet_post` URL itself (granted
    /// by the stager): nothing is left to relay.
    public var dropletPosted: Bool?

    public init(taskID: String, cellID: String, error: String? = nil, detectedBuildpack: String? = nil,
                startCommand: String? = nil, dropletSHA256: String? = nil, dropletSize: Int64? = nil, downloadMs: Int? = nil,
                dropletKey: String? = nil, dropletPosted: Bool? = nil) {
        self.taskID = taskID
        self.cellID = cellID
        self.error = error
        self.detectedBuildpack = detectedBuildpack
        self.startCommand = startCommand
        self.dropletSHA256 = dropletSHA256
        self.dropletSize = dropletSize
        self.downloadMs = downloadMs
        self.dropletKey = dropletKey
        self.dropletPosted = dropletPosted
    }

    enum CodingKeys: String, CodingKey {
        case error
        case taskID = "task_id"
        case cellID = "cell_id"
        case detectedBuildpack = "detected_buildpack"
        case startCommand = "start_command"
        case dropletSHA256 = "droplet_sha256"
        case dropletSize = "droplet_size"
        case downloadMs = "download_ms"
        case dropletKey = "droplet_key"
        case dropletPosted = "droplet_posted"
    }
}
