import ArgumentParser
import Foundation
import Staging

struct RunDropletCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-droplet",
        abstract: "Run a droplet in the foreground with the lifecycle launcher; Ctrl-C stops it and deletes the container.",
        discussion: """
            The app listens on $PORT in the host's network namespace, so you can curl it:
              pipette run-droplet sinatra.tgz --stack bookworm-arm64 --port 8080 &
              curl http://127.0.0.1:8080/
            """)

    @Argument(help: "The droplet file (from `pipette build`).")
    var droplet: String

    @Option(help: "The stack the droplet was staged on.")
    var stack: String

    @Option(help: "The port the app listens on ($PORT).")
    var port = 8080

    @Option(help: "Run this instead of the droplet's start command.")
    var startCommand: String?

    @OptionGroup var env: EnvironmentOption

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be between 1 and 65535") }
    }

    func run() async throws {
        let home = PipetteHome.locate()
        let (stack, rootfs) = try StackStore(directory: home.stacks).resolve(stack)
        let dropletURL = URL(fileURLWithPath: droplet)
        guard FileManager.default.fileExists(atPath: dropletURL.path) else {
            throw ValidationError("droplet \(droplet) does not exist; make one with `pipette build`")
        }
        let workspace = FileManager.default.temporaryDirectory.appendingPathComponent("pipette-run-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: workspace) }
        Output.status("==> Running \(droplet) on \(stack.name) (\(stack.arch.machine)) at http://127.0.0.1:\(port)/ (Ctrl-C stops it)")
        let status = try await Interrupts.cancelling { [startCommand, env] in
            try await DropletRunner(home: home).run(droplet: dropletURL, stack: stack, rootfs: rootfs, port: port,
                                                    workspace: workspace, startCommand: startCommand,
                                                    environment: env.environment, onLine: Output.line)
        }
        if Interrupts.received.load(ordering: .relaxed) {
            Output.status("==> Stopped; the container is deleted")
            return
        }
        Output.status("==> The app exited with status \(status)")
        if status != 0 { throw ExitCode(status) }
    }
}
