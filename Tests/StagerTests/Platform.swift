import Blobstore
import FakeCC
import Foundation
import Logging
import NATS
import PipetteCore
import Stager
import Staging
import TestSupport

/// A whole staging platform for one test: real nats-server, fake cloud controller, blobstore and
/// one or more stagers staging in runc on this host's stacks.
final class Platform: Sendable {
    static let secret = "test-secret"

    /// Services log only warnings and worse in tests, so failures stand out.
    static func quiet(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .warning
        return logger
    }

    let nats: NATSServer
    let work: TemporaryDirectory
    let ccURL: String
    let blobstoreURL: String
    private let services: ServiceHarness
    private let stagers: ServiceHarness

    /// - Parameters:
    ///   - configure: adjusts each stager's config (pool sizes, timeouts, default stack).
    ///   - apps: extra apps for the fake CC, by id (directories are copied from `apps/`).
    init(stagers count: Int = 1, failUploads: Int = 0,
         configure: (inout StagerConfig) -> Void = { _ in }) async throws {
        nats = try NATSServer()
        work = try TemporaryDirectory("platform")
        let apps = work.file("apps")
        try FileManager.default.createDirectory(at: apps, withIntermediateDirectories: true)
        for name in ["static", "shell", "sinatra"] {
            try FileManager.default.createSymbolicLink(at: apps.appendingPathComponent(name),
                                                       withDestinationURL: ProjectPaths.apps.appendingPathComponent(name))
        }
        try FileManager.default.createSymbolicLink(at: apps.appendingPathComponent("my-sinatra-app"),
                                                   withDestinationURL: ProjectPaths.apps.appendingPathComponent("sinatra"))

        let ccPort = Reported<Int>(), blobPort = Reported<Int>()
        var cc = FakeCCConfig(appsDirectory: apps, dropletsDirectory: work.file("droplets"), port: 0)
        cc.failUploads = failUploads
        services = ServiceHarness([
            FakeCCService(config: cc, logger: Self.quiet("test.cc"), onListening: { ccPort.set($0) }),
            BlobstoreService(config: BlobstoreConfig(directory: work.file("blobs"), secret: Self.secret, port: 0),
                             logger: Self.quiet("test.blobstore"), onListening: { blobPort.set($0) }),
        ])
        ccURL = "http://127.0.0.1:\(await ccPort.value)"
        blobstoreURL = "http://127.0.0.1:\(await blobPort.value)"

        var config = StagerConfig()
        config.natsURI = nats.url
        config.blobstoreURL = blobstoreURL
        config.blobstoreSecret = Self.secret
        config.maxStagingDuration = 300
        configure(&config)
        let home = PipetteHome(root: ProjectPaths.root, cache: TestStacks.cache)
        let ready = (0..<count).map { _ in Reported<Bool>() }
        stagers = ServiceHarness((0..<count).map { index in
            StagerService(config: config, backend: LocalStagingBackend(home: home, cellID: "stager-\(index)"),
                          logger: Self.quiet("test.stager.\(index)"), onReady: { ready[index].set(true) })
        })
        for flag in ready { _ = await flag.value }
    }

    /// The seed's request for `app` (properties as in the seed), with our fake CC's URLs.
    func seedRequest(_ app: String, uploadID: String = UUID().uuidString.prefix(8).lowercased()) -> [String: Any] {
        [
            "app_id": app,
            "download_uri": "\(ccURL)/download_unstaged_app/\(app)",
            "upload_uri": "\(ccURL)/upload_droplet/\(app)/\(uploadID)",
            "properties": [
                "services": [] as [Any],
                "framework_info": ["name": "sinatra"],
                "runtime_info": ["name": "ruby19", "executable": "ruby", "version": "1.9.3"],
                "resources": ["memory": 256, "disk": 256, "fds": 1024],
            ] as [String: Any],
        ]
    }

    func client() async throws -> NATSConnection { try await NATSConnection.connect(nats.url) }

    /// Sends a request (any JSON object or raw text) and decodes the reply.
    func stage(_ request: [String: Any], timeout: Duration = .seconds(300)) async throws -> StagingReply {
        try await stage(raw: JSONSerialization.data(withJSONObject: request), timeout: timeout)
    }

    func stage(raw payload: Data, timeout: Duration = .seconds(300)) async throws -> StagingReply {
        let connection = try await client()
        let answer = try await connection.request("staging", Array(payload), timeout: timeout)
        return try JSONDecoder().decode(StagingReply.self, from: Data(answer.payload))
    }

    /// Droplets the fake CC received, as its `GET /droplets` lists them.
    func receivedDroplets() async throws -> [[String: Any]] {
        let output = try await shell("/usr/bin/curl", ["-fsS", "\(ccURL)/droplets"]).output
        return (try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]]) ?? []
    }

    /// Gracefully stops the stagers only (SIGTERM's path): they drain and answer what they hold.
    func stopStagers() async { await stagers.stop() }

    func stop() async {
        await stagers.stop()
        await services.stop()
        nats.stop()
        work.remove()
    }
}
