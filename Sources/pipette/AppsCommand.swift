import Apps
import ArgumentParser
import Foundation
import NATS
import PipetteCore

struct AppsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apps",
        abstract: "List the apps pushed: name, stack, instances, current release.",
        discussion: """
            Reads the apps' desired state from the pipette_apps JetStream KV bucket.

            Examples:
              pipette apps
              pipette apps --json
            """)

    @Flag(help: "Print the apps' records as JSON.")
    var json = false

    @Option(help: ArgumentHelp(BusOptions.natsHelp, valueName: "url"))
    var nats: String?

    func run() async throws {
        let apps = try await AppsCommand.store(nats).all()
        if json { return Output.line(String(decoding: Wire.encode(apps), as: UTF8.self)) }
        if apps.isEmpty { return Output.status("no apps yet; push one with `pipette push DIR`") }
        let rows = [["NAME", "STACK", "INSTANCES", "MEMORY", "RELEASE", "BUILDPACK"]] + apps.map { app in
            [app.name, app.stack, "\(app.instances)", "\(app.memoryMB) MB",
             app.currentRelease.map { "\($0) of \(app.releases.count)" } ?? "-", app.current?.detectedBuildpack ?? "-"]
        }
        Output.columns(rows)
    }

    /// The apps' store on `--nats`, with an error that says what to start.
    static func store(_ nats: String?) async throws -> AppStore {
        let connection = try await NATSConnection.connect(BusOptions.resolve(nats))
        do {
            return try await AppStore.open(connection)
        } catch {
            throw CommandFailure("cannot read the apps' desired state: \(error)")
        }
    }
}

struct AppCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "app",
        abstract: "Show one app: its desired state and its releases.",
        discussion: """
            Examples:
              pipette app sinatra
              pipette app sinatra --json
            """)

    @Argument(help: "The app's name.")
    var name: String

    @Flag(help: "Print the app's record as JSON.")
    var json = false

    @Option(help: ArgumentHelp(BusOptions.natsHelp, valueName: "url"))
    var nats: String?

    func run() async throws {
        guard let app = try await AppsCommand.store(nats).get(name) else {
            throw CommandFailure("no app named \(name); `pipette apps` lists them, `pipette push DIR --name \(name)` makes it")
        }
        if json { return Output.line(String(decoding: Wire.encode(app), as: UTF8.self)) }
        Output.table([
            ("app", "\(app.name) (guid \(app.guid))"),
            ("stack", app.stack),
            ("instances", "\(app.instances) desired (cells do not run app instances yet)"),
            ("limits", "\(app.memoryMB) MB memory, \(app.diskMB) MB disk"),
            ("health check", "\(app.healthCheck)"),
            ("environment", app.environment.keys.sorted().joined(separator: ", ").isEmpty
                ? "-" : app.environment.keys.sorted().joined(separator: ", ")),
            ("release", app.currentRelease.map(String.init) ?? "-"),
        ])
        Output.line("")
        let formatter = ISO8601DateFormatter()
        Output.columns([["RELEASE", "CREATED", "BY", "BUILDPACK", "DROPLET SHA256", "START COMMAND"]] + app.releases.reversed().map {
            ["\($0.number)\($0.number == app.currentRelease ? " *" : "")",
             formatter.string(from: Date(timeIntervalSince1970: $0.createdAt)), $0.createdBy, $0.detectedBuildpack,
             String($0.dropletSHA256.prefix(12)), $0.startCommand]
        })
    }
}
