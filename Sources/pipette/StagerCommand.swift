import ArgumentParser
import Foundation
import NATS
import Logging
import ServiceLifecycle
import PipetteCore
import Stager
import Staging

struct StagerCommand: ServiceCommand {
    static let configuration = CommandConfiguration(
        commandName: "stager",
        abstract: "Take staging requests from NATS (queue group `stagers`) and stage them into droplets.",
        discussion: """
            Reads the seed's config keys (logging.level, pid_filename, nats_uri,
            max_staging_duration, max_active_tasks, queues, secure) and Pipette's own
            (max_queued_tasks, blobstore_url, blobstore_secret, s3_credentials_file, default_stack,
            max_download_mb, upload_attempts, staging_memory_mb, staging_disk_mb,
            staging_result_ttl, workspace_dir, nats_nkey_file, nats_ca_file,
            nats_cert_file, nats_key_file, local_staging); flags override the file.
            secure: true means NATS only over TLS; nats_ca_file (or a tls:// URL) turns
            TLS on too, and the server's certificate is verified with that CA, its
            names included.
            NATS credentials: put them in nats_uri or PIPETTE_NATS_URL, not on the
            command line.

            Each request becomes a staging Task that `pipette auctioneer` places on a
            `pipette cell` having the requested stack (the app package and droplet go
            through the blobstore, so blobstore_url is needed). With --local the stager
            stages in runc on its own host.

            Example config/stager.yml:
              logging: {level: debug2}
              pid_filename: /tmp/pipette/stager.pid
              nats_uri: nats://127.0.0.1:4222
              max_staging_duration: 120
              max_active_tasks: 10
              queues: ['staging']
              secure: false

            SIGTERM or Ctrl-C drains: no new work is taken, running tasks finish and are
            answered.
            """)

    @Option(help: "A YAML config file (the seed's config/stager.yml keys).")
    var config: String?

    @Option(help: ArgumentHelp("NATS server URL(s) (nats_uri; or $PIPETTE_NATS_URL, which keeps credentials out of `ps`).",
                               valueName: "url"))
    var nats: String?

    @Option(name: .customLong("queue"), help: "A queue to take requests from (repeatable; default: staging).")
    var queues: [String] = []

    @Option(help: "Tasks staged at once (max_active_tasks).")
    var maxActiveTasks: Int?

    @Option(help: "Tasks allowed to wait; beyond that a request is answered busy (max_queued_tasks).")
    var maxQueuedTasks: Int?

    @Option(help: "Seconds a whole task may take (max_staging_duration).")
    var maxStagingDuration: Int?

    @Option(name: [.customLong("blobstore"), .customLong("blobstore-url")],
            help: ArgumentHelp("Where packages and droplets are stored (blobstore_url): Pipette's blobstore, "
                               + "http://127.0.0.1:8081, or an S3 bucket, s3://BUCKET?endpoint=http://HOST:PORT&region=REGION "
                               + "(keys: $AWS_ACCESS_KEY_ID and $AWS_SECRET_ACCESS_KEY, or $PIPETTE_S3_CREDENTIALS).",
                               valueName: "url"))
    var blobstore: String?

    @Option(help: "Secret for signing blobstore URLs (or PIPETTE_BLOBSTORE_SECRET).")
    var blobstoreSecret: String?

    @Option(help: "Stack used when a request names none.")
    var defaultStack: String?

    @Option(help: ArgumentHelp("A NATS user nkey seed file (nats_nkey_file; or $PIPETTE_NATS_NKEY).", valueName: "file"))
    var natsNkey: String?

    @Option(help: ArgumentHelp("The CA (PEM) of the NATS server's certificate; means TLS (nats_ca_file; or $PIPETTE_NATS_CA).",
                               valueName: "file"))
    var natsCa: String?

    @Option(help: ArgumentHelp("A client certificate (PEM) for NATS (nats_cert_file; or $PIPETTE_NATS_CERT).", valueName: "file"))
    var natsCert: String?

    @Option(help: ArgumentHelp("The client certificate's key (PEM) (nats_key_file; or $PIPETTE_NATS_KEY).", valueName: "file"))
    var natsKey: String?

    @Option(help: ArgumentHelp("Where staging workspaces go (workspace_dir; default: the system's temporary folder).", valueName: "dir"))
    var workspaceDir: String?

    @Option(help: "Write the process id here (pid_filename).")
    var pidFile: String?

    @Flag(help: "Stage on this host instead of on cells placed by `pipette auctioneer` (local_staging).")
    var local = false

    @Option(help: "Log level (default: info; the seed's debug2 is trace).")
    var logLevel: LogLevel?

    /// Checked before `run`, so a usage error names `pipette stager`'s usage.
    func validate() throws { _ = try settings() }

    /// The config file's settings with the flags and environment laid over them (``layered(over:)``);
    /// a usage error also names the file's keys no setting reads (a typo there is the likely
    /// cause: `blobstore_ur`).
    func settings() throws -> (StagerConfig, LogLevel?) {
        let file = try config.map { path in
            do { return try StagerConfig.load(path) } catch { throw ValidationError("\(error)") }
        } ?? StagerConfig()
        do {
            return try layered(over: file)
        } catch let error as ValidationError where !file.unreadKeys.isEmpty {
            throw ValidationError(error.message + " (config file \(config ?? "") also has keys the stager does not read: "
                                  + file.unreadKeys.joined(separator: ", ") + "; a typo?)")
        }
    }

    /// `file` with the flags and environment laid over it, checked; and the log level it names.
    func layered(over file: StagerConfig) throws -> (StagerConfig, LogLevel?) {
        var settings = file
        if let nats = nats ?? ProcessInfo.processInfo.environment["PIPETTE_NATS_URL"].flatMap({ $0.isEmpty ? nil : $0 }) {
            settings.natsURI = nats
        }
        if !queues.isEmpty { settings.queues = queues }
        if let maxActiveTasks { settings.maxActiveTasks = maxActiveTasks }
        if let maxQueuedTasks { settings.maxQueuedTasks = maxQueuedTasks }
        if let maxStagingDuration { settings.maxStagingDuration = maxStagingDuration }
        if let blobstore { settings.blobstoreURL = blobstore }
        if let secret = blobstoreSecret ?? ProcessInfo.processInfo.environment["PIPETTE_BLOBSTORE_SECRET"] {
            settings.blobstoreSecret = secret
        }
        if let defaultStack { settings.defaultStack = defaultStack }
        if let pidFile { settings.pidFilename = pidFile }
        if let workspaceDir { settings.workspaceDir = workspaceDir }
        let bus = BusOptions.options(nkey: natsNkey, ca: natsCa, certificate: natsCert, key: natsKey)
        settings.natsNKeyFile = bus.nkeySeedFile ?? settings.natsNKeyFile
        settings.natsCAFile = bus.tlsCAFile ?? settings.natsCAFile
        settings.natsCertFile = bus.tlsCertificateFile ?? settings.natsCertFile
        settings.natsKeyFile = bus.tlsKeyFile ?? settings.natsKeyFile
        if local { settings.localStaging = true }
        if let problem = NATSURL.problem(settings.natsURI) {
            throw ValidationError("--nats (or PIPETTE_NATS_URL, or nats_uri in the config file) \(problem)")
        }
        do {
            try settings.validate()
            _ = try settings.blobstoreLocation()
        } catch {
            throw ValidationError(error.description)
        }
        let fileLevel = try settings.logging?.level.map { try LogLevel.named($0, in: "logging.level in \(config ?? "the config file")") }
        return (settings, fileLevel)
    }

    func makeService() async throws -> any Service {
        let (settings, fileLevel) = try settings()
        for key in settings.unreadKeys {
            Output.status("warning: config file \(config ?? "") has a key the stager does not read: \(key) (a typo?); "
                          + "it reads \(StagerConfig.readKeys.joined(separator: ", "))")
        }
        if let url = settings.blobstoreURL, let warning = Loopback.blobstoreWarning(url: url, natsURLs: settings.natsURI) {
            Output.status(warning)
        }
        let logger = LogSetup.logger("pipette.stager", level: logLevel ?? fileLevel)
        let stager = settings.localStaging
            ? StagerService(config: settings, backend: LocalStagingBackend(home: PipetteHome.locate(), logLevel: logger.logLevel),
                            logger: logger)
            : StagerService(config: settings, logger: logger)
        return stager
    }
}
