import Foundation

/// A `pipette` service run as a real process (its output in a file), for tests that signal it,
/// read its process table entry, or watch it exit.
public final class ServiceProcess: @unchecked Sendable {
    public let process = Process()
    private let output: URL

    public var pid: Int32 { process.processIdentifier }

    /// Starts `pipette ARGUMENTS` (or `executable`), on test host `host` when given (its network
    /// namespace, through `nsenter`, which execs: the pid is the program's own).
    public init(_ arguments: [String], environment: [String: String] = [:], onHost host: Int? = nil,
                executable: String = ProjectPaths.root.appendingPathComponent(".build/debug/pipette").path) throws {
        output = FileManager.default.temporaryDirectory.appendingPathComponent("pipette-svc-\(UUID().uuidString.prefix(8)).log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let command = (host.map(TestHosts.enter) ?? []) + [executable] + arguments
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.currentDirectoryURL = ProjectPaths.root
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    /// Everything the process printed so far.
    public var log: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

    /// Its command line as the process table shows it (what `ps` shows anyone on the host).
    public var commandLine: String {
        let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()
        return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
    }

    /// Waits until the output contains `text`; false after `timeout` (or if the process ended).
    public func waitFor(_ text: String, timeout: Duration = .seconds(30)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if log.contains(text) { return true }
            if !process.isRunning { return log.contains(text) }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    public func signal(_ signal: Int32) { kill(pid, signal) }

    /// Waits for the process to exit; its status, or nil if it is still running after `timeout`.
    public func exitStatus(within timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Kills it if still running and removes its output file.
    public func stop() {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: output)
    }

    deinit { stop() }
}
