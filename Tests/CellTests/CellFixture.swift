import Archive
@testable import Cell
import Foundation
import Logging
import NATS
import PipetteCore
import Staging
import Synchronization
import Testing
import TestSupport

/// apps/static staged once per test run on tiny-amd64 (busybox httpd); every instance test runs
/// this droplet, most with a start command of their own.
actor StaticDroplet {
    static let shared = StaticDroplet()

    struct Built: Sendable {
        let file: URL
        let sha256: String
        let size: Int64
    }

    private var built: Built?

    func get() async throws -> Built {
        if let built { return built }
        let home = PipetteHome(root: ProjectPaths.root, cache: TestStacks.cache)
        let (stack, rootfs) = try StackStore(directory: home.stacks).resolve("tiny-amd64")
        let work = try TemporaryDirectory("cell-droplet")
        try AppSource.materialize(ProjectPaths.apps.appendingPathComponent("static"), into: work.file("app"))
        let outcome = try await StagingTask(home: home).stage(
            workspace: work.url, stack: stack, rootfs: rootfs, options: StagingOptions(), onLine: { _ in })
        // Under .build, not the system's temporary folder, where every test run left one; those of
        // test runs that ended are removed here.
        let scratch = ProjectPaths.root.appendingPathComponent(".build/test-scratch")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: scratch.path)) ?? [] {
            guard let pid = Int32(name.dropFirst("celltests-static-".count).dropLast(".tgz".count)),
                  kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(at: scratch.appendingPathComponent(name))
        }
        let file = scratch.appendingPathComponent("celltests-static-\(getpid()).tgz")
        try? FileManager.default.removeItem(at: file)
        try FileManager.default.moveItem(at: outcome.droplet, to: file)
        work.remove()
        let result = Built(file: file, sha256: outcome.digest.sha256, size: outcome.digest.size)
        built = result
        return result
    }
}

/// A real cell (in-process `CellService`) on a real nats-server, with the droplet served over
/// HTTP; watches the cell's heartbeats, instance changes and app log lines.
final class CellFixture: Sendable {
    let id: String
    let nats: NATSServer
    let client: NATSConnection
    let files = FileServer()
    let workspace: TemporaryDirectory
    let droplet: StaticDroplet.Built
    let dropletURL: String
    private let harness: Mutex<ServiceHarness?> = Mutex(nil)
    private let latest = Mutex<CellState?>(nil)
    private let changes = Mutex<[InstanceReport]>([])
    private let logs = Mutex<[LogLine]>([])
    private let gone = Mutex(false)

    init(id: String = "cell-\(UUID().uuidString.prefix(6).lowercased())") async throws {
        self.id = id
        nats = try NATSServer()
        workspace = try TemporaryDirectory("cell-instances")
        droplet = try await StaticDroplet.shared.get()
        dropletURL = files.serve(droplet.file, as: "droplet.tgz")
        client = try await NATSConnection.connect(nats.url)
        let heartbeats = try client.subscribe(Subjects.heartbeat)
        let changed = try client.subscribe(Subjects.instanceChanged)
        let lines = try client.subscribe("pipette.logs.>")
        let goodbyes = try client.subscribe(Subjects.cellGone)
        try await client.flush()
        watch(heartbeats) { [self] in
            if let state = try? Wire.decode(CellState.self, from: $0.payload), state.id == self.id { self.latest.withLock { $0 = state } }
        }
        watch(changed) { [self] in
            if let report = try? Wire.decode(InstanceReport.self, from: $0.payload) { self.changes.withLock { $0.append(report) } }
        }
        watch(lines) { [self] in
            if let line = try? Wire.decode(LogLine.self, from: $0.payload) { self.logs.withLock { $0.append(line) } }
        }
        watch(goodbyes) { [self] in
            if let loss = try? Wire.decode(CellLoss.self, from: $0.payload), loss.cellID == self.id { self.gone.withLock { $0 = true } }
        }
    }

    /// Reads a subscription on a thread of its own for the fixture's life.
    private func watch(_ subscription: NATSSubscription, _ handle: @escaping @Sendable (NATSMessage) -> Void) {
        Thread {
            let done = DispatchSemaphore(value: 0)
            Task.detached {
                for await message in subscription { handle(message) }
                done.signal()
            }
            done.wait()
        }.start()
    }

    var config: CellConfig {
        var config = CellConfig(id: id, stacks: ["tiny-amd64"], capacity: Resources(memoryMB: 4096, diskMB: 8192, containers: 8),
                                natsURI: nats.url, heartbeatInterval: .milliseconds(200), workspaceDirectory: workspace.url)
        config.healthInterval = .seconds(2)
        config.stopGracePeriod = .seconds(2)
        config.evacuationTimeout = .zero
        return config
    }

    /// Starts the cell and waits for its first heartbeat.
    func start(_ adjust: (inout CellConfig) -> Void = { _ in }) async throws {
        var config = self.config
        adjust(&config)
        let home = PipetteHome(root: ProjectPaths.root, cache: TestStacks.cache)
        let stacks = CellStacks(config.stacks, store: StackStore(directory: home.stacks))
        var logger = Logger(label: "test.cell")
        logger.logLevel = .notice
        let service = CellService(config: config, home: home, stacks: stacks, logger: logger)
        harness.withLock { $0 = ServiceHarness([service], label: "cell") }
        _ = try await until("the cell heartbeats") { self.state }
    }

    /// Graceful shutdown (evacuation), waited for.
    func stopCell() async {
        let running = harness.withLock { h in defer { h = nil }; return h }
        await running?.stop()
    }

    func close() async {
        await stopCell()
        client.close()
        files.stop()
        nats.stop()
        workspace.remove()
    }

    var state: CellState? { latest.withLock { $0 } }
    var hasSaidGoodbye: Bool { gone.withLock { $0 } }
    func changes(of guid: String) -> [InstanceReport] { changes.withLock { $0.filter { $0.instanceGUID == guid } } }
    func logLines(app: String) -> [String] { logs.withLock { $0.filter { $0.app == app }.map(\.text) } }

    func instance(_ guid: String, app: String = "web", index: Int = 0, command: String, memoryMB: Int = 64,
                  health: HealthCheck = .port, startTimeout: Int = 30, sha256: String? = nil,
                  stack: String = "tiny-amd64") -> InstanceDefinition {
        InstanceDefinition(
            instanceGUID: guid, app: app, appGUID: "guid-\(app)", index: index, release: 1, stack: stack,
            dropletURL: dropletURL, dropletSHA256: sha256 ?? droplet.sha256, dropletSize: droplet.size,
            startCommand: command, memoryMB: memoryMB, diskMB: 64, healthCheck: health,
            environment: ["GREETING": "hello"], startTimeoutSeconds: startTimeout)
    }

    func perform(_ instances: [InstanceDefinition]) async throws -> PerformReply {
        let reply = try await client.request(Subjects.perform(cell: id), Wire.encode(PerformRequest(lrps: instances)),
                                             timeout: .seconds(10))
        return try Wire.decode(PerformReply.self, from: reply.payload)
    }

    func stop(_ guids: [String], reason: String = "test") throws {
        try client.publish(Subjects.stopInstances(cell: id), Wire.encode(InstanceStop(instanceGUIDs: guids, reason: reason)))
    }

    /// The instance's report in the latest heartbeat once `condition` holds.
    @discardableResult
    func report(_ guid: String, within timeout: Duration = .seconds(60),
                _ condition: @escaping @Sendable (InstanceReport) -> Bool) async throws -> InstanceReport {
        try await until("instance \(guid) reaches the expected state; last seen: \(String(describing: state?.lrps.first { $0.instanceGUID == guid }))",
                        within: timeout) {
            self.state?.lrps.first { $0.instanceGUID == guid && condition($0) }
        }
    }

    /// Waits until the heartbeat no longer reports `guid`.
    func forgotten(_ guid: String, within timeout: Duration = .seconds(60)) async throws {
        _ = try await until("instance \(guid) leaves the heartbeat", within: timeout) {
            self.state.map { $0.lrps.contains { $0.instanceGUID == guid } ? nil : true } ?? nil
        }
    }

    /// Ids of this cell's containers that runc knows.
    func containers() async throws -> [String] {
        let output = try await shell("/usr/sbin/runc", ["list", "-q"]).output
        return output.split(separator: "\n").map(String.init).filter { $0.hasPrefix("pipette-\(Subjects.token(id))--") }
    }
}

/// Runs `body` with a fresh cell fixture and closes it afterwards, whatever happened.
func withCell(_ body: (CellFixture) async throws -> Void) async throws {
    let cell = try await CellFixture()
    do {
        try await body(cell)
    } catch {
        await cell.close()
        throw error
    }
    await cell.close()
}

struct Timeout: Error, CustomStringConvertible {
    let description: String
}

/// Polls `value` every 50 ms until it is non-nil; throws naming `what` after `timeout`.
func until<T>(_ what: String, within timeout: Duration = .seconds(60), _ value: () async throws -> T?) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    while true {
        if let found = try await value() { return found }
        guard ContinuousClock.now < deadline else { throw Timeout(description: "timed out waiting until \(what)") }
        try await Task.sleep(for: .milliseconds(50))
    }
}

/// Fetches `url` with curl; the body or nil.
func fetch(_ url: String) async throws -> String? {
    let result = try await shell("/usr/bin/curl", ["-fsS", "--max-time", "5", url])
    return result.status == 0 ? result.output : nil
}
