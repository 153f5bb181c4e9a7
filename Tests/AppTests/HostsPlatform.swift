import Foundation
import PipetteCore
import Testing
import TestSupport

/// The platform spread over test hosts (`TestHosts`), every part a real process on its own host,
/// reaching the others by address only: host 1 is the controller (nats-server, blobstore,
/// fake cloud controller, auctioneer, stager), each further host runs one cell that advertises
/// its host's address. Each process has its own folder (no host reads another's files).
final class HostsPlatform: PlatformQueries, @unchecked Sendable {
    static let secret = "hosts-test-secret"
    static let pipette = ProjectPaths.root.appendingPathComponent(".build/debug/pipette").path
    static let controller = TestHosts.address(1)
    static let natsURL = "nats://\(controller):4222"
    static let blobstoreURL = "http://\(controller):8081"
    static let ccURL = "http://\(controller):9292"

    struct CellSpec: Sendable {
        var id: String
        var host: Int
        var stacks: [String]
    }

    let nats: NATSServer
    let work: TemporaryDirectory
    let cells: [CellSpec]
    private let lock = NSLock()
    private var processes: [String: ServiceProcess] = [:]

    init(cells: [CellSpec]) async throws {
        self.cells = cells
        nats = try NATSServer(port: 4222, onHost: 1)
        work = try TemporaryDirectory("hosts-platform")
        let host1 = work.file("host-1")
        try start("blobstore", on: 1, ["blobstore", "--dir", host1.appendingPathComponent("blobs").path,
                                       "--host", Self.controller, "--port", "8081"])
        try start("fake-cc", on: 1, ["fake-cc", "--host", Self.controller, "--port", "9292", "--apps", ProjectPaths.apps.path,
                                     "--droplets", host1.appendingPathComponent("droplets").path])
        try start("auctioneer", on: 1, ["auctioneer", "--blobstore-url", Self.blobstoreURL, "--converge-interval", "1",
                                        "--lock-ttl", "3", "--startup-grace", "2"])
        try start("stager", on: 1, ["stager", "--blobstore", Self.blobstoreURL, "--default-stack", "tiny-amd64",
                                    "--workspace-dir", host1.path])
        for cell in cells {
            let folder = work.file("host-\(cell.host)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            // No blobstore secret on cells: they use the URLs the stager and converger signed.
            try start(cell.id, on: cell.host, ["cell", "--id", cell.id, "--stacks", cell.stacks.joined(separator: ","),
                                               "--advertise", TestHosts.address(cell.host), "--workspace-dir", folder.path,
                                               "--max-containers", "4", "--heartbeat-ms", "1000", "--health-interval", "2",
                                               "--evacuation-timeout", "10"],
                      environment: ["PIPETTE_NATS_URL": Self.natsURL, "PIPETTE_BLOBSTORE_SECRET": ""])
        }
        let joined = try await eventually(within: .seconds(60)) {
            Set(cells.map(\.id)).isSubset(of: Set(try await self.cells().map(\.id)))
        }
        if !joined { throw TestHosts.Failure(message: "cells never joined:\n\(logs)") }
    }

    /// What the controller's processes get: the bus, the blobstore and its secret, by address.
    static let environment = ["PIPETTE_NATS_URL": natsURL, "PIPETTE_BLOBSTORE_URL": blobstoreURL,
                              "PIPETTE_BLOBSTORE_SECRET": secret]

    func start(_ name: String, on host: Int, _ arguments: [String], environment: [String: String] = environment) throws {
        let process = try ServiceProcess(arguments + ["--log-level", "info"], environment: environment, onHost: host)
        lock.withLock { processes[name] = process }
    }

    /// Runs the CLI on `host` (0: this machine, outside the test hosts) against the platform.
    func runPipette(_ arguments: [String]) async throws -> ShellResult { try await pipette(on: 0, arguments) }

    func pipette(on host: Int = 0, _ arguments: String...) async throws -> ShellResult { try await pipette(on: host, arguments) }

    func pipette(on host: Int, _ arguments: [String]) async throws -> ShellResult {
        let environment = ProcessInfo.processInfo.environment.merging(Self.environment) { $1 }
        return host == 0
            ? try await shell(Self.pipette, arguments, cwd: ProjectPaths.root, environment: environment)
            : try await TestHosts.run(on: host, Self.pipette, arguments, environment: environment)
    }

    /// Stops the cells first (SIGTERM: they evacuate and remove their containers), then the rest;
    /// removes any container a cell left.
    func stop() async {
        let all = lock.withLock { processes }
        let cellIDs = Set(cells.map(\.id))
        for (name, process) in all where cellIDs.contains(name) { process.signal(SIGTERM) }
        for (name, process) in all where cellIDs.contains(name) { _ = await process.exitStatus(within: .seconds(30)) }
        for process in all.values { process.signal(SIGTERM) }
        for process in all.values { _ = await process.exitStatus(within: .seconds(10)) }
        for process in all.values { process.stop() }
        nats.stop()
        let containers = (try? await shell("/usr/sbin/runc", ["list", "-q"]).output) ?? ""
        for id in cellIDs {
            for leftover in containers.split(separator: "\n") where leftover.hasPrefix(InstanceContainer.prefix(cellID: id)) {
                _ = try? await shell("/usr/sbin/runc", ["delete", "--force", String(leftover)])
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
