/// A staging Task as a cell runs it: everything is a URL or a value, so any cell that can reach
/// the cloud controller's package URL and the blobstore can run it.
public struct TaskDefinition: Codable, Sendable, Equatable {
    /// Unique per placement attempt (a re-placed task gets a new one).
    public var taskID: String
    public var appID: String
    public var stack: String
    public var memoryMB: Int
    public var diskMB: Int
    public var tags: [String: String]
    /// GET URL of the app package (a zip): the staging request's `download_uri`, fetched by the
    /// cell itself as Diego's cells do (the stager never holds the package).
    public var packageURL: String
    /// The most the package and the build cache may be (the stager's `max_download_mb`); the
    /// cell applies the smaller of this and its own limit. Nil: the cell's own.
    public var maxDownloadBytes: Int64?
    /// PUT URL the droplet goes to; the cell sends its sha256 for the blobstore to verify.
    public var dropletUploadURL: String
    /// The blob key `dropletUploadURL` writes, named again in the cell's completion: each
    /// placement request of a task gets a key of its own, so a task placed twice (its placement
    /// answer lost and the request asked again of another auctioneer) writes two blobs, and the
    /// stager relays the one the completing cell stored; a late cell never overwrites it.
    public var dropletKey: String?
    /// Where the cell may POST the droplet itself once the stager grants it (on `postSubject`);
    /// nil (no `upload_uri`, or an older stager): the stager relays the stored droplet.
    public var dropletPost: DropletPost?
    public var cacheDownloadURL: String?
    public var cacheUploadURL: String?
    public var buildpacks: [String]
    public var skipDetect: Bool
    public var environment: [String: String]
    public var startCommand: String?
    public var timeoutSeconds: Int
    /// The cell publishes builder output on `<events>.log` and a `TaskCompletion` on `<events>.done`.
    public var eventsSubject: String

    public init(taskID: String, appID: String, stack: String, memoryMB: Int, diskMB: Int, tags: [String: String] = [:],
                packageURL: String, maxDownloadBytes: Int64? = nil, dropletUploadURL: String, dropletKey: String? = nil,
                dropletPost: DropletPost? = nil, cacheDownloadURL: String? = nil,
                cacheUploadURL: String? = nil, buildpacks: [String], skipDetect: Bool = false,
                environment: [String: String] = [:], startCommand: String? = nil, timeoutSeconds: Int,
                eventsSubject: String) {
        self.taskID = taskID
        self.appID = appID
        self.stack = stack
        self.memoryMB = memoryMB
        self.diskMB = diskMB
        self.tags = tags
        self.packageURL = packageURL
        self.maxDownloadBytes = maxDownloadBytes
        self.dropletUploadURL = dropletUploadURL
        self.dropletKey = dropletKey
        self.dropletPost = dropletPost
        self.cacheDownloadURL = cacheDownloadURL
        self.cacheUploadURL = cacheUploadURL
        self.buildpacks = buildpacks
        self.skipDetect = skipDetect
        self.environment = environment
        self.startCommand = startCommand
        self.timeoutSeconds = timeoutSeconds
        self.eventsSubject = eventsSubject
    }

    /// The task as work to place.
    public var work: Work {
        Work(id: taskID, kind: .task, appID: appID, stack: stack,
             need: Resources(memoryMB: memoryMB, diskMB: diskMB, containers: 1), tags: tags)
    }

    public var logSubject: String { eventsSubject + ".log" }
    public var doneSubject: String { eventsSubject + Self.doneSuffix }
    public static let doneSuffix = ".done"
    /// The auctioneer publishes `PlacementWait` here while the Task waits for capacity.
    public var waitingSubject: String { eventsSubject + ".waiting" }
    /// The cell asks here (a `DropletPostAsk`) whether it may POST the droplet itself.
    public var postSubject: String { eventsSubject + Self.postSuffix }
    public static let postSuffix = ".post"

    enum CodingKeys: String, CodingKey {
        case stack, tags, buildpacks, environment
        case taskID = "task_id"
        case appID = "app_id"
        case memoryMB = "memory_mb"
        case diskMB = "disk_mb"
        case packageURL = "package_url"
        case maxDownloadBytes = "max_download_bytes"
        case dropletUploadURL = "droplet_upload_url"
        case dropletKey = "droplet_key"
        case dropletPost = "droplet_post"
        case cacheDownloadURL = "cache_download_url"
        case cacheUploadURL = "cache_upload_url"
        case skipDetect = "skip_detect"
        case startCommand = "start_command"
        case timeoutSeconds = "timeout_seconds"
        case eventsSubject = "events_subject"
    }
}
