/// One app instance as a cell runs it (Diego's desired LRP, one index): everything is a value or
/// a URL, so any cell with the stack that can reach the blobstore can run it.
public struct InstanceDefinition: Codable, Sendable, Equatable {
    /// Unique per placement: a restarted or re-placed instance gets a new one.
    public var instanceGUID: String
    /// The app's name (its KV key and log subject).
    public var app: String
    public var appGUID: String
    public var index: Int
    /// The release (numbered in `AppRecord.releases`) this instance runs.
    public var release: Int
    public var stack: String
    /// Signed GET URL of the droplet (a .tgz) in the blobstore.
    public var dropletURL: String
    /// The cell checks the download against it and caches droplets by it.
    public var dropletSHA256: String
    public var dropletSize: Int64
    public var startCommand: String
    public var memoryMB: Int
    public var diskMB: Int
    public var healthCheck: HealthCheck
    public var environment: [String: String]
    public var tags: [String: String]
    /// How long the instance may take to pass its first health check before it counts as crashed.
    public var startTimeoutSeconds: Int
    /// Crashes of this app index so far (carried from the instance this one replaces, so the
    /// restart policy survives a re-placement and a new converger).
    public var crashCount: Int

    public init(instanceGUID: String, app: String, appGUID: String, index: Int, release: Int, stack: String,
                dropletURL: String, dropletSHA256: String, dropletSize: Int64, startCommand: String,
                memoryMB: Int, diskMB: Int, healthCheck: HealthCheck = .port, environment: [String: String] = [:],
                tags: [String: String] = [:], startTimeoutSeconds: Int = 60, crashCount: Int = 0) {
        self.instanceGUID = instanceGUID
        self.app = app
        self.appGUID = appGUID
        self.index = index
        self.release = release
        self.stack = stack
        self.dropletURL = dropletURL
        self.dropletSHA256 = dropletSHA256
        self.dropletSize = dropletSize
        self.startCommand = startCommand
        self.memoryMB = memoryMB
        self.diskMB = diskMB
        self.healthCheck = healthCheck
        self.environment = environment
        self.tags = tags
        self.startTimeoutSeconds = startTimeoutSeconds
        self.crashCount = crashCount
    }

    /// The instance as work to place; its id is the instance guid.
    public var work: Work {
        Work(id: instanceGUID, kind: .lrp, appID: app, index: index, stack: stack,
             need: Resources(memoryMB: memoryMB, diskMB: diskMB, containers: 1), tags: tags)
    }

    enum CodingKeys: String, CodingKey {
        case app, index, release, stack, environment, tags
        case instanceGUID = "instance_guid"
        case appGUID = "app_guid"
        case dropletURL = "droplet_url"
        case dropletSHA256 = "droplet_sha256"
        case dropletSize = "droplet_size"
        case startCommand = "start_command"
        case memoryMB = "memory_mb"
        case diskMB = "disk_mb"
        case healthCheck = "health_check"
        case startTimeoutSeconds = "start_timeout_seconds"
        case crashCount = "crash_count"
    }
}
