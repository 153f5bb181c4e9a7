import Foundation
import Logging
import NATS
import PipetteCore
@testable import Router
import Synchronization
import Testing
import TestSupport

/// A real `pipette router` (in-process `RouterService` with a real HAProxy child) on a real
/// nats-server, a NATS client to announce routes with, and tiny HTTP backends that answer
/// their own name.
final class RouterFixture: Sendable {
    let nats: NATSServer
    let client: NATSConnection
    let port = freePort()
    let state: TemporaryDirectory
    private let harness = Mutex<ServiceHarness?>(nil)
    private let backends = Mutex<[Process]>([])
    private let starts = Mutex<[RouterStart]>([])
    private let ready = Mutex(false)

    init() async throws {
        nats = try NATSServer()
        state = try TemporaryDirectory("router")
        client = try await NATSConnection.connect(nats.url)
        let startMessages = try client.subscribe(RouterSubjects.start)
        try await client.flush()
        Thread { [self] in
            let done = DispatchSemaphore(value: 0)
            Task.detached {
                for await message in startMessages {
                    if let start = try? Wire.decode(RouterStart.self, from: message.payload) { self.starts.withLock { $0.append(start) } }
                }
                done.signal()
            }
            done.wait()
        }.start()
    }

    var routerStarts: [RouterStart] { starts.withLock { $0 } }

    /// Starts the router and waits until it is ready.
    func start(_ adjust: (inout RouterConfig) -> Void = { _ in }) async throws {
        var config = RouterConfig(id: "0-test", port: port, stateDirectory: state.url, natsURI: nats.url)
        config.stopGrace = .seconds(2)
        adjust(&config)
        var logger = Logger(label: "test.router")
        logger.logLevel = .notice
        let service = RouterService(config: config, logger: logger) { self.ready.withLock { $0 = true } }
        harness.withLock { $0 = ServiceHarness([service], label: "router") }
        let result = await eventually(within: .seconds(30)) { self.ready.withLock { $0 } }
        try #require(result, "the router is ready within 30 s")
    }

    func stopRouter() async {
        let running = harness.withLock { h in defer { h = nil }; return h }
        await running?.stop()
    }

    func close() async {
        await stopRouter()
        // SIGKILL: children of the test process inherit its blocked signals, SIGTERM included.
        for process in backends.withLock({ $0 }) where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        client.close()
        nats.stop()
        state.remove()
    }

    /// An HTTP server on 127.0.0.1 answering `name` at `/`; returns its port.
    func backend(_ name: String) async throws -> Int {
        let port = freePort()
        let root = state.file("backend-\(name)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try Data(name.utf8).write(to: root.appendingPathComponent("index.html"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", root.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        backends.withLock { $0.append(process) }
        let up = await eventually(within: .seconds(20)) { await Self.get(port: port, host: "x").status == 200 }
        try #require(up, "backend \(name) answers on port \(port)")
        return port
    }

    func registration(_ host: String, port: Int, instance: String, stale: Int = 0) -> RouteRegistration {
        RouteRegistration(app: "guid-\(host)", host: "127.0.0.1", port: UInt16(port), privateInstanceID: instance,
                          privateInstanceIndex: "0", staleThresholdInSeconds: stale,
                          tags: ["component": "test"], uris: ["\(host).localhost"])
    }

    func register(_ registration: RouteRegistration) throws {
        try client.publish(RouterSubjects.register, Wire.encode(registration))
    }

    func unregister(_ registration: RouteRegistration) throws {
        try client.publish(RouterSubjects.unregister, Wire.encode(registration))
    }

    /// A request through the router with `Host: <host>`.
    func get(_ host: String) async -> (status: Int, body: String) { await Self.get(port: port, host: host) }

    static func get(port: Int, host: String) async -> (status: Int, body: String) {
        guard let result = try? await shell("/usr/bin/curl", [
            "-s", "--max-time", "5", "-H", "Host: \(host)", "-w", "\n%{http_code}", "http://127.0.0.1:\(port)/",
        ]) else { return (0, "") }
        let lines = result.output.split(separator: "\n", omittingEmptySubsequences: false)
        let status = lines.last.flatMap { Int($0) } ?? 0
        return (status, lines.dropLast().joined(separator: "\n"))
    }
}

/// Runs `body` with a fresh fixture and closes it afterwards, whatever happened.
func withRouter(_ body: (RouterFixture) async throws -> Void) async throws {
    let fixture = try await RouterFixture()
    do {
        try await body(fixture)
    } catch {
        await fixture.close()
        throw error
    }
    await fixture.close()
}
