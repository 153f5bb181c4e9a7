import Foundation
import PipetteCore
import Testing
import TestSupport

/// A whole platform of real processes, as the Procfile starts it: nats-server with JetStream, the
/// blobstore, a stager, auctioneers (each also a converger candidate) and cells, so a test can
/// SIGKILL any of them and drive it all with the `pipette` CLI as a user would.
final class AppPlatform: PlatformQueries, @unchecked Sendable {
    static let secret = "apps-test-secret"
    static let pipette = ProjectPaths.root.appendingPathComponent(".build/debug/pipette").path

    struct CellSpec: Sendable {
        var id: String
        var zone: String
        var stacks: [String]
    }

    /// The server the test's CLI talks to (a cluster's last node).
    let nats: NATSServer
    /// What the platform's processes are given: the one server, or a cluster's first node only
    /// (they learn the other nodes from it), as each role's user when the cluster has users.
    let componentURL: @Sendable (BusRole) -> String
    /// Where the CLI connects (as admin on a cluster with users).
    let clientURL: String
    let work: TemporaryDirectory
    let blobstoreURL: String
    /// Where `pipette router` (HAProxy) serves apps, by Host header `APP.localhost`.
    let routerPort = freePort()
    private let lock = NSLock()
    private var processes: [String: ServiceProcess] = [:]
    private let cellSpecs: [String: CellSpec]

    /// Keys of an S3 blobstore, for every process (empty with Pipette's own blobstore).
    private let s3Keys: [String: String]

    /// - Parameters:
    ///   - s3: an S3 store and bucket to keep packages and droplets in, instead of a `pipette
    ///     blobstore` of the platform's own; its keys go to every process's environment.
    ///   - cluster: a NATS cluster instead of one server (see ``componentURL``).
    init(cells: [CellSpec], auctioneers: Int = 1, s3: (server: S3Server, bucket: String)? = nil,
         cluster: NATSCluster? = nil) async throws {
        nats = try cluster?.nodes.last ?? NATSServer()
        let single = nats.url
        componentURL = { role in cluster?.url(0, as: role) ?? single }
        clientURL = cluster.map { $0.url($0.nodes.count - 1) } ?? single
        work = try TemporaryDirectory("apps-platform")
        let blobPort = freePort()
        cellSpecs = Dictionary(uniqueKeysWithValues: cells.map { ($0.id, $0) })
        if let s3 {
            blobstoreURL = "s3://\(s3.bucket)?endpoint=\(s3.server.endpoint)&region=us-east-1"
            s3Keys = ["AWS_ACCESS_KEY_ID": s3.server.accessKeyID, "AWS_SECRET_ACCESS_KEY": s3.server.secretAccessKey]
        } else {
            blobstoreURL = "http://127.0.0.1:\(blobPort)"
            s3Keys = [:]
            try start("blobstore", ["blobstore", "--dir", work.file("blobs").path, "--port", "\(blobPort)"])
        }
        try start("stager", ["stager", "--nats", componentURL(.stager), "--blobstore", blobstoreURL, "--default-stack", "tiny-amd64",
                             "--workspace-dir", work.url.path])
        for index in 0..<auctioneers { try startAuctioneer(index) }
        try start("router", ["router", "--port", "\(routerPort)", "--state-dir", work.file("router").path,
                             "--prune-threshold", "10", "--register-interval", "3"])
        for cell in cells { try startCell(cell.id) }
        try await waitForCells(cells.map(\.id))
        // A stager is ready once its JetStream buckets are open: slower on a busy cluster.
        if !(await eventually(within: .seconds(60)) { self.process("stager")?.log.contains("stager ready") == true }) {
            Issue.record("the stager never got ready: \(process("stager")?.log.suffix(2000) ?? "")")
        }
    }

    /// Every process gets the platform's NATS URL and blobstore secret from the environment, and
    /// every one but the cells the S3 store's keys (cells only ever get presigned URLs).
    var environment: [String: String] {
        ["PIPETTE_NATS_URL": componentURL(.router), "PIPETTE_BLOBSTORE_URL": blobstoreURL, "PIPETTE_BLOBSTORE_SECRET": Self.secret]
            .merging(s3Keys) { $1 }
    }

    func start(_ name: String, _ arguments: [String], withS3Keys: Bool = true) throws {
        var environment = environment
        if !withS3Keys { for key in s3Keys.keys { environment[key] = "" } }
        let process = try ServiceProcess(arguments + ["--log-level", "info"], environment: environment)
        lock.withLock { processes[name] = process }
    }

    /// Auctioneer `index` (`auctioneer-<index>`), converging fast for tests.
    func startAuctioneer(_ index: Int) throws {
        try start("auctioneer-\(index)", ["auctioneer", "--nats", componentURL(.auctioneer), "--blobstore-url", blobstoreURL,
                                          "--converge-interval", "1", "--lock-ttl", "3", "--startup-grace", "2", "--crash-backoff-min", "2"])
    }

    /// Starts (or restarts) cell `id` as its spec says.
    func startCell(_ id: String) throws {
        guard let cell = cellSpecs[id] else { return }
        try start(id, ["cell", "--id", id, "--zone", cell.zone, "--stacks", cell.stacks.joined(separator: ","),
                       "--max-containers", "6", "--nats", componentURL(.cell), "--heartbeat-ms", "1000",
                       "--health-interval", "2", "--evacuation-timeout", "10", "--domain", "localhost",
                       "--workspace-dir", work.url.path], withS3Keys: false)
    }

    func process(_ name: String) -> ServiceProcess? { lock.withLock { processes[name] } }

    /// SIGKILLs a process: no goodbye, no cleanup.
    func kill(_ name: String) async {
        guard let process = process(name) else { return }
        process.signal(SIGKILL)
        _ = await process.exitStatus(within: .seconds(10))
    }

    /// Runs the CLI against this platform.
    func pipette(_ arguments: String...) async throws -> ShellResult { try await runPipette(arguments) }

    func runPipette(_ arguments: [String]) async throws -> ShellResult {
        try await shell(Self.pipette, arguments, cwd: ProjectPaths.root,
                        environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }
                            .merging(["PIPETTE_NATS_URL": clientURL]) { $1 })
    }

    func waitForCells(_ ids: [String]) async throws {
        let joined = try await eventually(within: .seconds(60)) { Set(ids).isSubset(of: Set(try await cells().map(\.id))) }
        if !joined {
            Issue.record("cells \(ids) never joined: \(ids.compactMap { process($0)?.log.suffix(2000) })")
        }
    }

    /// GETs `/` of `app` through the router (Host `APP.localhost`); the body, or nil when it fails.
    func throughRouter(_ app: String) async throws -> String? {
        let result = try await shell("/usr/bin/curl", ["-fsS", "--max-time", "5", "-H", "Host: \(app).localhost",
                                                       "http://127.0.0.1:\(routerPort)/"])
        return result.status == 0 ? result.output : nil
    }

    /// Containers runc has on this host whose names start with `prefix`.
    static func containers(prefix: String) async throws -> [String] {
        let list = try await shell("/usr/sbin/runc", ["list", "-q"])
        return list.output.split(separator: "\n").map(String.init).filter { $0.hasPrefix(prefix) }
    }

    /// Gracefully stops the cells first (so they remove their containers), then everything else,
    /// and removes the platform's folder.
    func stop() async {
        let all = lock.withLock { processes }
        for (name, process) in all where cellSpecs[name] != nil { process.signal(SIGTERM) }
        for (name, process) in all where cellSpecs[name] != nil { _ = await process.exitStatus(within: .seconds(30)) }
        // SIGTERM first, so the router stops its HAProxy (a SIGKILLed router would leave it running).
        for process in all.values { process.signal(SIGTERM) }
        for process in all.values { _ = await process.exitStatus(within: .seconds(10)) }
        for process in all.values { process.stop() }
        for id in cellSpecs.keys {
            for leftover in (try? await Self.containers(prefix: InstanceContainer.prefix(cellID: id))) ?? [] {
                _ = try? await shell("/usr/sbin/runc", ["delete", "--force", leftover])
            }
        }
        work.remove()
    }

    /// The last part of every process's output, for failure messages.
    var logs: String {
        lock.withLock { processes }.sorted { $0.key < $1.key }.map { "== \($0.key)\n\($0.value.log.suffix(3000))" }
            .joined(separator: "\n")
    }
}
