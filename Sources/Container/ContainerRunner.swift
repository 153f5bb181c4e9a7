import Foundation
import Logging

/// Runs one container at a time per call with runc: writes the bundle, `runc run`s it with
/// output streamed line by line, kills it on timeout or cancellation, and always deletes it.
public struct ContainerRunner: Sendable {
    /// Where bundles (config.json) are written; one folder per container, removed afterwards.
    public let bundles: URL
    private let logger: Logger

    public init(bundles: URL = FileManager.default.temporaryDirectory.appendingPathComponent("pipette-bundles"),
                logger: Logger = Logger(label: "pipette.container")) {
        self.bundles = bundles
        self.logger = logger
    }

    /// Checks what running `arch` containers needs on this host, so failures say what to fix.
    public static func preflight(for spec: ContainerSpec) throws(ContainerError) {
        guard getuid() == 0 else { throw .notRoot }
        _ = try Subprocess.which("runc")
        try HostCheck.canRun(spec.arch)
    }

    /// Runs the container and returns the exit status of its process.
    /// - Throws: `ContainerError.timedOut` when `timeout` passes first (the container is killed).
    public func run(_ spec: ContainerSpec, id: String, timeout: Duration? = nil,
                    onLine: @escaping @Sendable (String) -> Void) async throws(ContainerError) -> Int32 {
        try Self.preflight(for: spec)
        let bundle = bundles.appendingPathComponent(id)
        try writeBundle(spec, at: bundle)
        let runc = try Subprocess.which("runc")
        defer {
            Self.forceDelete(runc: runc, id: id)
            try? FileManager.default.removeItem(at: bundle)
        }
        logger.debug("runc run", metadata: ["id": "\(id)", "args": "\(spec.args)"])
        // `runc kill` misses a container still being created, so `runc run` itself is killed
        // too; the deferred `runc delete --force` then removes whatever it left.
        let kill: @Sendable (Int32) -> Void = { pid in
            Self.killAll(runc: runc, id: id)
            Foundation.kill(pid, SIGKILL)
        }
        do {
            return try await withThrowingTaskGroup(of: Int32.self) { group in
                group.addTask {
                    try await Subprocess.run(runc, ["run", "--bundle", bundle.path, id], onLine: onLine, onCancel: kill)
                }
                if let timeout {
                    group.addTask {
                        try await Task.sleep(for: timeout)
                        throw ContainerError.timedOut(seconds: Int(timeout.components.seconds))
                    }
                }
                let status = try await group.next()!
                group.cancelAll()
                return status
            }
        } catch let error as ContainerError {
            throw error
        } catch {
            throw .runcFailed(status: -1, lastLines: ["\(error)"])
        }
    }

    private func writeBundle(_ spec: ContainerSpec, at bundle: URL) throws(ContainerError) {
        do {
            try FileManager.default.createDirectory(at: bundle, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(spec.ociSpec()).write(to: bundle.appendingPathComponent("config.json"))
        } catch {
            throw .bundle(reason: error.localizedDescription)
        }
    }

    /// SIGKILL every process of the container; `runc run` then returns.
    private static func killAll(runc: String, id: String) {
        quietly(runc, ["kill", "--all", id, "KILL"])
    }

    private static func forceDelete(runc: String, id: String) {
        quietly(runc, ["delete", "--force", id])
    }

    /// Runs a short runc housekeeping command to completion, ignoring its output.
    private static func quietly(_ runc: String, _ arguments: [String]) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: runc)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try? process.run()
        process.waitUntilExit()
    }
}
