import Foundation

/// A request on the `staging` queue: the seed's fields (all honoured) plus the optional
/// Diego/DEA-era ones. Unknown fields are ignored.
public struct StagingRequest: Sendable, Equatable, Codable {
    public struct Properties: Sendable, Equatable, Codable {
        public struct Resources: Sendable, Equatable, Codable {
            public var memory: Int?
            public var disk: Int?
            public var fds: Int?

            public init(memory: Int? = nil, disk: Int? = nil, fds: Int? = nil) {
                self.memory = memory
                self.disk = disk
                self.fds = fds
            }
        }
        public var services: [JSONValue]?
        public var frameworkInfo: [String: JSONValue]?
        public var runtimeInfo: [String: JSONValue]?
        public var resources: Resources?

        public init(services: [JSONValue]? = nil, frameworkInfo: [String: JSONValue]? = nil,
                    runtimeInfo: [String: JSONValue]? = nil, resources: Resources? = nil) {
            self.services = services
            self.frameworkInfo = frameworkInfo
            self.runtimeInfo = runtimeInfo
            self.resources = resources
        }

        enum CodingKeys: String, CodingKey {
            case services, resources
            case frameworkInfo = "framework_info"
            case runtimeInfo = "runtime_info"
        }
    }

    public var appID: String
    public var downloadURI: String
    public var uploadURI: String?
    public var properties: Properties?
    public var taskID: String?
    public var stack: String?
    public var buildpacks: [String]?
    public var skipDetect: Bool?
    public var environment: [String: String]?
    public var startCommand: String?
    public var buildpackCacheDownloadURI: String?
    public var buildpackCacheUploadURI: String?
    public var logSubject: String?

    public init(appID: String, downloadURI: String, uploadURI: String? = nil) {
        self.appID = appID
        self.downloadURI = downloadURI
        self.uploadURI = uploadURI
    }

    enum CodingKeys: String, CodingKey {
        case properties, stack, buildpacks, environment
        case appID = "app_id"
        case downloadURI = "download_uri"
        case uploadURI = "upload_uri"
        case taskID = "task_id"
        case skipDetect = "skip_detect"
        case startCommand = "start_command"
        case buildpackCacheDownloadURI = "buildpack_cache_download_uri"
        case buildpackCacheUploadURI = "buildpack_cache_upload_uri"
        case logSubject = "log_subject"
    }

    /// Decodes a request, turning decoding failures into one sentence naming the field.
    public static func decode(_ payload: [UInt8]) throws(StagingRequestError) -> StagingRequest {
        let request: StagingRequest
        do {
            request = try JSONDecoder().decode(StagingRequest.self, from: Data(payload))
        } catch let error as DecodingError {
            throw StagingRequestError(decoding: error)
        } catch {
            throw StagingRequestError(reason: "\(error)")
        }
        try request.validate()
        return request
    }

    /// `VCAP_SERVICES` as the builder gives it to buildpacks.
    public var vcapServices: String {
        let services = properties?.services ?? []
        let data = (try? JSONEncoder().encode(services)) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// Why a staging request could not be read, as one sentence.
public struct StagingRequestError: Error, Equatable, Sendable, CustomStringConvertible {
    public let reason: String

    public init(reason: String) { self.reason = reason }

    init(decoding error: DecodingError) {
        func path(_ context: DecodingError.Context) -> String {
            let text = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            let quoted = StagingRequest.quote(text)
            return quoted == "\"" + text + "\"" ? text : quoted
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            reason = "missing field \(parent.isEmpty ? "" : parent + ".")\(key.stringValue)"
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            let field = path(context)
            reason = "field \(field) must be \(field == "environment" ? "an object of strings" : Self.describe(type))"
        case .dataCorrupted(let context):
            reason = context.codingPath.isEmpty ? "the request is not valid JSON" : "field \(path(context)) is invalid"
        @unknown default:
            reason = "the request could not be decoded"
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Double.Type: "a number"
        case is [String].Type: "a list of strings"
        case is [String: String].Type: "an object of strings"
        case _ where "\(type)".hasPrefix("Dictionary"): "an object"
        case _ where "\(type)".hasPrefix("Array"): "a list"
        default: "a \(type)"
        }
    }

    public var description: String { "Malformed staging request: \(reason)" }
}

extension StagingRequest {
    /// The `task_id` of a payload even when the rest of it is unusable (for error replies).
    public static func taskID(in payload: [UInt8]) -> String? {
        struct Probe: Decodable { let task_id: String? }
        guard let id = (try? JSONDecoder().decode(Probe.self, from: Data(payload)))?.task_id,
              SubjectRules.problem(inTaskID: id) == nil else { return nil }
        return id
    }
}
