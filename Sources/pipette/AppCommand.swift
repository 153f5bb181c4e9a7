import ArgumentParser
import Foundation
import PipetteCore

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
