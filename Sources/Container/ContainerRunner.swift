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
    /// - Parameter bundle: the folder for its `config.json` (removed afterwards); default
    ///   `bundles/<id>`. A caller with a workspace of its own passes a folder in it, so a process
    ///   killed mid-run leaves the bundle where its leftover sweep finds it.
    /// - Throws: `ContainerError.timedOut` when `timeout` passes first (the container is killed).
    public func run(_ spec: ContainerSpec, id: String, bundle: URL? = nil, timeout: Duration? = nil,
                    onLine: @escaping @Sendable (String) -> Void) async throws(ContainerError) -> Int32 {
        try Self.preflight(for: spec)
        let bundle = bundle ?? bundles.appendingPathComponent(id)
        try writeBundle(spec, at: bundle)
        let runc = try Subprocess.which("runc")
        logger.debug("runc run", metadata: ["id": "\(id)", "args": "\(spec.args)"])
        let result: Result<Int32, ContainerError>
        do {
            result = .success(try await withThrowingTaskGroup(of: Int32.self) { group in
                group.addTask {
                    // On cancellation `runc run` itself is killed (a `runc kill` would miss a
                    // container still being created); `runc delete --force` below then kills
                    // and removes whatever it left.
                    try await Subprocess.run(runc, ["run", "--bundle", bundle.path, id], onLine: onLine,
                                             onCancel: { pid in Foundation.kill(pid, SIGKILL) })
                }
                if let timeout {
                    group.addTask {
                        try await Task.sleep(for: timeout)
                        throw ContainerError.timedOut(seconds: Int(timeout.components.seconds))
                    }
                }
                defer { group.cancelAll() }
                return try await group.next()!
            })
        } catch let error as ContainerError {
            result = .failure(error)
        } catch {
            result = .failure(.runcFailed(status: -1, lastLines: ["\(error)"]))
        }
        // `runc run` removes a container whose process exited; one it left (killed, timed out,
        // failed to start) still has its state folder and is deleted. Cleanup must run to the end
        // even when the caller was cancelled (Ctrl-C, a timeout), so it runs in a task of its own,
        // which is awaited here.
        let left = if case .success = result { FileManager.default.fileExists(atPath: Self.stateFolder(id)) } else { true }
        if left {
            await Task { _ = try? await Subprocess.run(runc, ["delete", "--force", id], onLine: { _ in }) }.value
        }
        try? FileManager.default.removeItem(at: bundle)
        return try result.get()
    }

    /// Where runc (as root, default `--root`) keeps a container's state while it exists.
    static func stateFolder(_ id: String) -> String { "/run/runc/\(id)" }

    private func writeBundle(_ spec: ContainerSpec, at bundle: URL) throws(ContainerError) {
        do {
            try FileManager.default.createDirectory(at: bundle, withIntermediateDirectories: true)
            try ScratchFile.write(Data(spec.ociSpec().json.utf8), to: bundle.appendingPathComponent("config.json"))
        } catch let error as ScratchFileError {
            throw .bundle(reason: error.description)
        } catch {
            throw .bundle(reason: error.localizedDescription)
        }
    }
}

extension ContainerRunner {
    /// Runs `args` in the running container `id` as `user` (`runc exec`); returns its exit status.
    public func exec(_ id: String, args: [String], user: (uid: UInt32, gid: UInt32) = (2000, 2000),
                     onLine: @escaping @Sendable (String) -> Void) async throws(ContainerError) -> Int32 {
        let runc = try Subprocess.which("runc")
        return try await Subprocess.run(runc, ["exec", "--user", "\(user.uid):\(user.gid)", id] + args, onLine: onLine)
    }

    /// Sends `signal` (`TERM`, `KILL`) to the container's process; true when runc could.
    @discardableResult
    public func kill(_ id: String, signal: String) async -> Bool {
        guard let runc = try? Subprocess.which("runc") else { return false }
        return (try? await Subprocess.run(runc, ["kill", id, signal], onLine: { _ in })) == 0
    }

    /// The container's runc status (`created`, `running`, `stopped`), nil when runc does not know it.
    public func status(_ id: String) async -> String? {
        guard let runc = try? Subprocess.which("runc") else { return nil }
        let output = Lines()
        guard (try? await Subprocess.run(runc, ["state", id], onLine: output.append)) == 0,
              let state = try? JSONDecoder().decode(State.self, from: Data(output.joined.utf8))
        else { return nil }
        return state.status
    }

    /// Ids of every container runc knows on this host.
    public func list() async throws(ContainerError) -> [String] {
        let runc = try Subprocess.which("runc")
        let output = Lines()
        let status = try await Subprocess.run(runc, ["list", "--format", "json"], onLine: output.append)
        guard status == 0 else { throw .runcFailed(status: status, lastLines: output.all) }
        let text = output.joined.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty || text == "null" { return [] }
        guard let states = try? JSONDecoder().decode([State].self, from: Data(text.utf8)) else {
            throw .runcFailed(status: status, lastLines: ["unreadable `runc list` output"])
        }
        return states.map(\.id)
    }

    /// Kills and removes the container `id` (`runc delete --force`); true when runc could.
    @discardableResult
    public func delete(_ id: String) async -> Bool {
        guard let runc = try? Subprocess.which("runc") else { return false }
        return (try? await Subprocess.run(runc, ["delete", "--force", id], onLine: { _ in })) == 0
    }

    private struct State: Decodable {
        let id: String
        let status: String
    }
}
