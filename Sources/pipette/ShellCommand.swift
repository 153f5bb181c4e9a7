import ArgumentParser
import Container
import Foundation
import PipetteCore

struct ShellCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shell",
        abstract: "Open a shell (or run a command) inside a running app instance.",
        discussion: """
            Runs the lifecycle `shell` in the instance's container (runc exec on the cell's
            host, as root): the app's environment with its profile.d scripts sourced, in
            /home/vcap/app, with a terminal when stdin is one. Without a command it is an
            interactive shell. The instance must run on this host; otherwise the error names
            the host to run it on.

            Examples:
              pipette shell sinatra/0
              pipette shell sinatra/1 -- env
              pipette shell sinatra -- cat /proc/self/status     # index 0
            """)

    @Argument(help: ArgumentHelp("The instance: APP/INDEX (APP alone is index 0).", valueName: "app/index"))
    var instance: String

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command to run instead of an interactive shell.",
                                                           valueName: "command"))
    var command: [String] = []

    @Option(help: ArgumentHelp(BusOptions.natsHelp, valueName: "url"))
    var nats: String?

    var target: (app: String, index: Int)? {
        let parts = instance.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let app = parts.first, !app.isEmpty else { return nil }
        guard parts.count == 2 else { return (String(app), 0) }
        guard let index = Int(parts[1]), index >= 0 else { return nil }
        return (String(app), index)
    }

    func validate() throws {
        if target == nil { throw ValidationError("\(instance): expected APP/INDEX, e.g. sinatra/0") }
    }

    func run() async throws {
        guard let (app, index) = target else { return }
        let connection = try await BusOptions.connect(nats)
        let instances = try await PlatformState.instances(of: app, on: connection)
        connection.close()
        guard let report = instances.first(where: { $0.index == index && $0.state != .crashed }) else {
            let known = instances.map { "\($0.index) (\($0.state.rawValue))" }.joined(separator: ", ")
            throw CommandFailure("no running instance \(index) of \(app)"
                                 + (known.isEmpty ? "; `pipette app \(app)` shows its state" : "; instances: \(known)"))
        }
        let container = InstanceContainer.name(cellID: report.cellID, instanceGUID: report.instanceGUID)
        let runc = try Subprocess.which("runc")
        guard getuid() == 0 else { throw ContainerError.notRoot }
        let state = try await Subprocess.run(runc, ["state", container], onLine: { _ in })
        guard state == 0 else {
            throw CommandFailure("instance \(app)/\(index) runs on cell \(report.cellID) at host \(report.host), not on this "
                                 + "host; run `pipette shell \(app)/\(index)` on \(report.host)")
        }
        let terminal = isatty(STDIN_FILENO) == 1
        let process = Process()
        process.executableURL = URL(fileURLWithPath: runc)
        process.arguments = ["exec"] + (terminal ? ["-t"] : []) + [container, "/tmp/lifecycle/shell", "/home/vcap/app"]
            + (command.isEmpty ? [] : [command.map(Self.quoted).joined(separator: " ")])
        try process.run()
        process.waitUntilExit()
        if process.terminationStatus != 0 { throw ExitCode(process.terminationStatus) }
    }

    /// `word` as one `sh` word: single-quoted unless it is plainly safe.
    static func quoted(_ word: String) -> String {
        if !word.isEmpty, word.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0)) }) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
