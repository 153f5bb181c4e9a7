import Auctioneer
import Blobstore
import Cell
import FakeCC
import Foundation
import Logging
import NATS
import PipetteCore
import Stager
import Staging
import TestSupport

/// A whole staging platform for one test: real nats-server, fake cloud controller, blobstore and
/// one or more stagers — staging in runc on this host's stacks, or, given cells, through a real
/// auctioneer and cells (each cell a service of its own, so a test can stop one).
final class Platform: Sendable {
    static let secret = "test-secret"

    struct CellsNeverJoined: Error {
        let ids: [String]
    }

    /// Services log only warnings and worse in tests, so failures stand out; more with
    /// `PIPETTE_TEST_LOG_LEVEL=info` (or `debug`) when a test needs explaining.
    static func quiet(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = ProcessInfo.processInfo.environment["PIPETTE_TEST_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .warning
        return logger
    }

    let nats: NATSServer
    /// Where the test's own client connects (as admin on a cluster with users).
    let clientURL: String
    let work: TemporaryDirectory
    let ccURL: String
    let blobstoreURL: String
    let home: PipetteHome
    private let services: ServiceHarness
    private let stagers: ServiceHarness
    private let cellHarnesses: [String: ServiceHarness]

    /// - Parameters:
    ///   - configure: adjusts each stager's config (pool sizes, timeouts, default stack).
    ///   - cells: when given, an auctioneer and these cells run, and stagers stage through them.
    ///   - home: where buildpacks and lifecycle programs come from (the checkout by default).
    ///   - natsArguments: extra nats-server arguments (e.g. `-c` with a small `max_payload`).
    ///   - cluster: a NATS cluster to use instead of one server: stagers get every node's URL,
    ///     the auctioneer and cells only the first node's (they learn the rest from it), and the
    ///     test's own client talks to the last node; each as its own user if the cluster has users.
    init(stagers count: Int = 1, failUploads: Int = 0, cells: [CellConfig] = [],
         home: PipetteHome = PipetteHome(root: ProjectPaths.root, cache: TestStacks.cache),
         natsArguments: [String] = [], cluster: NATSCluster? = nil,
         configure: (inout StagerConfig) -> Void = { _ in }) async throws {
        self.home = home
        nats = try cluster?.nodes.last ?? NATSServer(arguments: natsArguments)
        let single = nats.url
        let componentURL = { (role: BusRole) in cluster?.url(0, as: role) ?? single }
        clientURL = cluster.map { $0.url($0.nodes.count - 1) } ?? single
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
        let auctioneerReady = Reported<Bool>()
        services = ServiceHarness([
            FakeCCService(config: cc, logger: Self.quiet("test.cc"), onListening: { ccPort.set($0) }),
            BlobstoreService(config: BlobstoreConfig(directory: work.file("blobs"), secret: Self.secret, port: 0),
                             logger: Self.quiet("test.blobstore"), onListening: { blobPort.set($0) }),
        ] + (cells.isEmpty ? [] : [
            AuctioneerService(config: AuctioneerConfig(natsURI: componentURL(.auctioneer)), logger: Self.quiet("test.auctioneer"),
                              onReady: { auctioneerReady.set(true) }),
        ]))
        if !cells.isEmpty { _ = await auctioneerReady.value }
        var harnesses: [String: ServiceHarness] = [:]
        for var cell in cells {
            cell.natsURI = componentURL(.cell)
            let stacks = CellStacks(cell.stacks, store: StackStore(directory: home.stacks))
            harnesses[cell.id] = ServiceHarness([CellService(config: cell, home: home, stacks: stacks,
                                                             logger: Self.quiet("test.cell.\(cell.id)"))])
        }
        cellHarnesses = harnesses
        ccURL = "http://127.0.0.1:\(await ccPort.value)"
        blobstoreURL = "http://127.0.0.1:\(await blobPort.value)"

        var config = StagerConfig()
        config.natsURI = cluster?.urls(as: .stager) ?? nats.url
        config.blobstoreURL = blobstoreURL
        config.blobstoreSecret = Self.secret
        config.maxStagingDuration = 300
        configure(&config)
        let ready = (0..<count).map { _ in Reported<Bool>() }
        stagers = ServiceHarness((0..<count).map { index in
            cells.isEmpty
                ? StagerService(config: config, backend: LocalStagingBackend(home: home, cellID: "stager-\(index)"),
                                logger: Self.quiet("test.stager.\(index)"), onReady: { ready[index].set(true) })
                : StagerService(config: config, logger: Self.quiet("test.stager.\(index)"), onReady: { ready[index].set(true) })
        })
        for flag in ready { _ = await flag.value }
        try await waitForCells(cells.map(\.id))
    }

    /// The cells the auctioneer knows now.
    func registeredCells() async throws -> [CellState] {
        let connection = try await client()
        let answer = try await connection.request(Subjects.cells, [], timeout: .seconds(5))
        return try Wire.decode([CellState].self, from: answer.payload)
    }

    /// Waits until the auctioneer has heard from each of `ids` (a cell started elsewhere too).
    func waitForCells(_ ids: [String], timeout: Duration = .seconds(30)) async throws {
        guard !ids.isEmpty else { return }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let known = Set(try await registeredCells().map(\.id))
            if Set(ids).isSubset(of: known) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CellsNeverJoined(ids: ids)
    }

    /// Gracefully stops one cell (SIGTERM's path): it evacuates.
    func stopCell(_ id: String) async { await cellHarnesses[id]?.stop() }

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

    /// `request` with a build cache kept in this platform's blobstore under `caches/<key>.tgz`.
    func withBuildCache(_ request: [String: Any], key: String) -> [String: Any] {
        let signer = BlobURLSigner(secret: Self.secret)
        var request = request
        request["buildpack_cache_download_uri"] = signer.signedURL(base: blobstoreURL, method: "GET",
                                                                   key: "caches/\(key).tgz", validFor: 600)
        request["buildpack_cache_upload_uri"] = signer.signedURL(base: blobstoreURL, method: "PUT",
                                                                 key: "caches/\(key).tgz", validFor: 600)
        return request
    }

    func client() async throws -> NATSConnection { try await NATSConnection.connect(clientURL) }

    /// Sends a request (any JSON object) as `pipette stage` does, sent again after silence when it
    /// names a task id, and decodes the reply.
    /// `onLine` gets each live log line (a test that fails can say where a staging stalled).
    func stage(_ request: [String: Any], timeout: Duration = .seconds(300),
               onLine: @escaping @Sendable (String) -> Void = { _ in }) async throws -> StagingReply {
        let taskID = request["task_id"] as? String
        let connection = try await client()
        defer { connection.close() }
        let answer = try await StagingClient(connection: connection).send(
            Array(try JSONSerialization.data(withJSONObject: request)),
            logSubject: request["log_subject"] as? String ?? taskID.map { Subjects.stagingLog(taskID: $0) },
            resendable: taskID != nil, timeout: timeout, onLine: onLine)
        return try JSONDecoder().decode(StagingReply.self, from: Data(answer.payload))
    }

    /// Sends a request and runs `action` once, when a live log line contains `marker` (to kill or
    /// stop something mid-staging); returns the reply.
    func stage(_ request: [String: Any], whenLogContains marker: String,
               _ action: @escaping @Sendable (String) async -> Void) async throws -> StagingReply {
        var request = request
        let subject = "logs." + UUID().uuidString.lowercased()
        request["log_subject"] = subject
        let connection = try await client()
        let logs = try connection.subscribe(subject)
        try await connection.flush()
        let payload = try JSONSerialization.data(withJSONObject: request)
        return try await withThrowingTaskGroup(of: StagingReply?.self) { group in
            group.addTask {
                for await line in logs where line.string.contains(marker) {
                    await action(line.string)
                    break
                }
                return nil
            }
            group.addTask {
                defer { logs.unsubscribe() }
                return try await self.stage(raw: payload)
            }
            while let result = try await group.next() {
                if let reply = result { return reply }
            }
            throw CancellationError()
        }
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
        for cell in cellHarnesses.values { await cell.stop() }
        await services.stop()
        nats.stop()
        work.remove()
    }
}
