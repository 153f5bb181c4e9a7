import Foundation
import NATS
import PipetteCore
import Yams

/// The stager's settings: the seed's `config/stager.yml` keys plus Pipette's own. Every key is
/// optional in the file; command-line flags override the file.
public struct StagerConfig: Sendable, Equatable, Decodable {
    public struct Logging: Sendable, Equatable, Decodable {
        public var level: String?
    }

    public var logging: Logging?
    /// The loaded file's top-level keys that no setting reads (a typo, or a key of another
    /// stager's config): warned about, since a seed's file may carry keys Pipette has no use for.
    public var unreadKeys: [String] = []
    public var pidFilename: String?
    public var natsURI: String = "nats://127.0.0.1:4222"
    /// Seconds a whole staging task may take (download to reply).
    public var maxStagingDuration: Int = 120
    public var maxActiveTasks: Int = 10
    public var maxQueuedTasks: Int = 10
    public var queues: [String] = [Subjects.defaultStagingQueue]
    /// The seed's switch: NATS only over TLS (a server without TLS is refused). With TLS the
    /// server's certificate is verified against `nats_ca_file`, names included.
    public var secure: Bool = false
    /// Where packages and droplets go: `http(s)://host:port` (Pipette's blobstore) or
    /// `s3://bucket?endpoint=http://host:port&region=us-east-1` (an S3-compatible store, keys from
    /// the environment or `PIPETTE_S3_CREDENTIALS`; see ``BlobstoreLocation``).
    public var blobstoreURL: String?
    /// Secret of Pipette's blobstore, for signing its URLs (also `PIPETTE_BLOBSTORE_SECRET`).
    public var blobstoreSecret: String?
    /// An AWS shared-credentials file with the keys of an `s3://` blobstore (also
    /// `PIPETTE_S3_CREDENTIALS`; else `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`).
    public var s3CredentialsFile: String?
    public var defaultStack: String = "tiny-amd64"
    public var maxDownloadMB: Int = 1024
    public var uploadAttempts: Int = 5
    /// What a staging Task reserves on its cell when the request gives no `resources` (Cloud
    /// Foundry's staging defaults).
    public var stagingMemoryMB: Int = 1024
    public var stagingDiskMB: Int = 4096
    /// Seconds the result of a staging with a `task_id` is kept, so a duplicate request gets the
    /// same reply instead of staging again (shared by all stagers in the `pipette_staging` KV bucket).
    public var stagingResultTTL: Int = 3600
    /// A NATS user nkey seed file (`SU…`) to authenticate with, besides or instead of credentials
    /// in `nats_uri`.
    public var natsNKeyFile: String?
    /// The CA (PEM) that signed the NATS server's certificate; setting it means TLS.
    public var natsCAFile: String?
    /// A client certificate and its key (PEM), for a NATS server that verifies clients.
    public var natsCertFile: String?
    public var natsKeyFile: String?
    /// Where staging workspaces go (the app package, the unpacked app, the droplet on its way to
    /// the cloud controller); the system's temporary folder when not set.
    public var workspaceDir: String?
    /// Stage on this host instead of on cells placed by the auctioneer.
    public var localStaging: Bool = false

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case logging, queues, secure
        case pidFilename = "pid_filename"
        case natsURI = "nats_uri"
        case maxStagingDuration = "max_staging_duration"
        case maxActiveTasks = "max_active_tasks"
        case maxQueuedTasks = "max_queued_tasks"
        case blobstoreURL = "blobstore_url"
        case blobstoreSecret = "blobstore_secret"
        case s3CredentialsFile = "s3_credentials_file"
        case defaultStack = "default_stack"
        case maxDownloadMB = "max_download_mb"
        case uploadAttempts = "upload_attempts"
        case stagingMemoryMB = "staging_memory_mb"
        case stagingDiskMB = "staging_disk_mb"
        case localStaging = "local_staging"
        case stagingResultTTL = "staging_result_ttl"
        case workspaceDir = "workspace_dir"
        case natsNKeyFile = "nats_nkey_file"
        case natsCAFile = "nats_ca_file"
        case natsCertFile = "nats_cert_file"
        case natsKeyFile = "nats_key_file"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = StagerConfig()
        logging = try c.decodeIfPresent(Logging.self, forKey: .logging)
        pidFilename = try c.decodeIfPresent(String.self, forKey: .pidFilename)
        natsURI = try c.decodeIfPresent(String.self, forKey: .natsURI) ?? defaults.natsURI
        maxStagingDuration = try c.decodeIfPresent(Int.self, forKey: .maxStagingDuration) ?? defaults.maxStagingDuration
        maxActiveTasks = try c.decodeIfPresent(Int.self, forKey: .maxActiveTasks) ?? defaults.maxActiveTasks
        maxQueuedTasks = try c.decodeIfPresent(Int.self, forKey: .maxQueuedTasks) ?? defaults.maxQueuedTasks
        queues = try c.decodeIfPresent([String].self, forKey: .queues) ?? defaults.queues
        secure = try c.decodeIfPresent(Bool.self, forKey: .secure) ?? defaults.secure
        blobstoreURL = try c.decodeIfPresent(String.self, forKey: .blobstoreURL)
        blobstoreSecret = try c.decodeIfPresent(String.self, forKey: .blobstoreSecret)
        s3CredentialsFile = try c.decodeIfPresent(String.self, forKey: .s3CredentialsFile)
        defaultStack = try c.decodeIfPresent(String.self, forKey: .defaultStack) ?? defaults.defaultStack
        maxDownloadMB = try c.decodeIfPresent(Int.self, forKey: .maxDownloadMB) ?? defaults.maxDownloadMB
        uploadAttempts = try c.decodeIfPresent(Int.self, forKey: .uploadAttempts) ?? defaults.uploadAttempts
        stagingMemoryMB = try c.decodeIfPresent(Int.self, forKey: .stagingMemoryMB) ?? defaults.stagingMemoryMB
        stagingDiskMB = try c.decodeIfPresent(Int.self, forKey: .stagingDiskMB) ?? defaults.stagingDiskMB
        localStaging = try c.decodeIfPresent(Bool.self, forKey: .localStaging) ?? defaults.localStaging
        stagingResultTTL = try c.decodeIfPresent(Int.self, forKey: .stagingResultTTL) ?? defaults.stagingResultTTL
        workspaceDir = try c.decodeIfPresent(String.self, forKey: .workspaceDir)
        natsNKeyFile = try c.decodeIfPresent(String.self, forKey: .natsNKeyFile)
        natsCAFile = try c.decodeIfPresent(String.self, forKey: .natsCAFile)
        natsCertFile = try c.decodeIfPresent(String.self, forKey: .natsCertFile)
        natsKeyFile = try c.decodeIfPresent(String.self, forKey: .natsKeyFile)
    }

    /// Reads a YAML config file; errors name the file and the problem.
    public static func load(_ path: String) throws(StagerConfigError) -> StagerConfig {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw StagerConfigError(message: "cannot read config file \(path)")
        }
        do {
            var config = try YAMLDecoder().decode(StagerConfig.self, from: text)
            let keys = (try? Yams.load(yaml: text) as? [String: Any])?.keys.map { $0 } ?? []
            config.unreadKeys = keys.filter { !readKeys.contains($0) }.sorted()
            return config
        } catch {
            throw StagerConfigError(message: "config file \(path) is not valid: \(ConfigFileProblem.sentence(error))")
        }
    }

    /// The keys a config file may have.
    public static let readKeys = CodingKeys.allCases.map(\.rawValue)

    /// How the stager connects besides its URL.
    var natsOptions: NATSOptions {
        var options = NATSOptions()
        options.nkeySeedFile = natsNKeyFile
        options.requireTLS = secure
        options.tlsCAFile = natsCAFile
        options.tlsCertificateFile = natsCertFile
        options.tlsKeyFile = natsKeyFile
        return options
    }

    /// The parsed `blobstore_url` (nil: none), S3 keys from this process's environment.
    public func blobstoreLocation() throws(StagerConfigError) -> BlobstoreLocation? {
        guard let blobstoreURL else { return nil }
        do {
            return try BlobstoreLocation.resolve(blobstoreURL, secret: blobstoreSecret.flatMap { $0.isEmpty ? nil : $0 },
                                                 credentialsFile: s3CredentialsFile)
        } catch {
            throw StagerConfigError(message: error.description)
        }
    }

    /// Checks values a stager cannot work with.
    public func validate() throws(StagerConfigError) {
        if maxActiveTasks < 1 { throw StagerConfigError(message: "max_active_tasks must be at least 1") }
        if maxQueuedTasks < 0 { throw StagerConfigError(message: "max_queued_tasks must not be negative") }
        if maxStagingDuration < 1 { throw StagerConfigError(message: "max_staging_duration must be at least 1 second") }
        if stagingMemoryMB < 1 || stagingDiskMB < 1 {
            throw StagerConfigError(message: "staging_memory_mb and staging_disk_mb must be at least 1")
        }
        if !localStaging, blobstoreURL == nil { throw .cellsNeedABlobstore }
        if stagingResultTTL < 1 { throw StagerConfigError(message: "staging_result_ttl must be at least 1 second") }
        for queue in queues where queue.isEmpty || queue.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) {
            throw StagerConfigError(message: "queue \"\(queue)\" is not a NATS subject (empty, or with whitespace)")
        }
        if queues.isEmpty { throw StagerConfigError(message: "queues must name at least one queue") }
    }
}
