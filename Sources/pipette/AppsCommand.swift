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
        try await store(BusOptions.connect(nats))
    }

    static func store(_ connection: NATSConnection) async throws -> AppStore {
        do {
            return try await AppStore.open(connection)
        } catch {
            throw CommandFailure("cannot read the apps' desired state: \(error)")
        }
    }
}
