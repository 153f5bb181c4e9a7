/// The stager's reply (MISSION.md, NATS protocol). `error` is always present: null on success.
public struct StagingReply: Sendable, Equatable, Codable {
    public struct Droplet: Sendable, Equatable, Codable {
        public var sha256: String
        public var size: Int64
        public var blobURL: String?

        public init(sha256: String, size: Int64, blobURL: String?) {
            self.sha256 = sha256
            self.size = size
            self.blobURL = blobURL
        }

        enum CodingKeys: String, CodingKey {
            case sha256, size
            case blobURL = "blob_url"
        }

        public init(from decoder: any Decoder) throws {
            let object = try decoder.container(keyedBy: AnyCodingKey.self)
            self.init(sha256: try object.decode(String.self, forKey: "sha256"), size: try object.decode(Int64.self, forKey: "size"),
                      blobURL: try object.decodeIfPresent(String.self, forKey: "blob_url"))
        }
    }

    public var taskID: String
    public var taskLog: String
    public var error: String?
    public var detectedBuildpack: String?
    public var startCommand: String?
    public var stack: String?
    public var cellID: String?
    public var droplet: Droplet?
    public var durationsMs: [String: Int]

    public init(taskID: String, taskLog: String, error: String? = nil) {
        self.taskID = taskID
        self.taskLog = taskLog
        self.error = error
        durationsMs = [:]
    }

    enum CodingKeys: String, CodingKey {
        case error, stack, droplet
        case taskID = "task_id"
        case taskLog = "task_log"
        case detectedBuildpack = "detected_buildpack"
        case startCommand = "start_command"
        case cellID = "cell_id"
        case durationsMs = "durations_ms"
    }

    /// Decoded with `AnyCodingKey`: `pipette stage` reads one reply per staging, and the
    /// synthesized decoders' three keyed container types cost it three conformance scans
    /// (`AnyCodingKey` says why). `StagingReplyDecodingTests` compares it with them.
    public init(from decoder: any Decoder) throws {
        let object = try decoder.container(keyedBy: AnyCodingKey.self)
        taskID = try object.decode(String.self, forKey: "task_id")
        taskLog = try object.decode(String.self, forKey: "task_log")
        error = try object.decodeIfPresent(String.self, forKey: "error")
        detectedBuildpack = try object.decodeIfPresent(String.self, forKey: "detected_buildpack")
        startCommand = try object.decodeIfPresent(String.self, forKey: "start_command")
        stack = try object.decodeIfPresent(String.self, forKey: "stack")
        cellID = try object.decodeIfPresent(String.self, forKey: "cell_id")
        droplet = try object.decodeIfPresent(Droplet.self, forKey: "droplet")
        durationsMs = try object.decodeDictionary(Int.self, forKey: "durations_ms")
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(taskID, forKey: .taskID)
        try container.encode(taskLog, forKey: .taskLog)
        try container.encode(error, forKey: .error)
        try container.encodeIfPresent(detectedBuildpack, forKey: .detectedBuildpack)
        try container.encodeIfPresent(startCommand, forKey: .startCommand)
        try container.encodeIfPresent(stack, forKey: .stack)
        try container.encodeIfPresent(cellID, forKey: .cellID)
        try container.encodeIfPresent(droplet, forKey: .droplet)
        try container.encode(durationsMs, forKey: .durationsMs)
    }
}
