import ArgumentParser
import Foundation
import PipetteCore

struct ReleasesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "releases",
        abstract: "List an app's numbered releases: what each ran, who made it and when.",
        discussion: """
            Every push records a release: the droplet (sha256, size, stack), start command,
            buildpack, environment, who pushed and when, and the staging task whose log
            `pipette logs APP` replays. `*` marks the current one. The droplets of the last
            5 releases (--keep-releases on push) are kept for `pipette rollback`; older ones
            show DROPLET removed.

            Examples:
              pipette releases sinatra
              pipette releases sinatra --json
            """)

    @Argument(help: "The app's name.")
    var name: String

    @Flag(help: "Print the releases as JSON.")
    var json = false

    @Option(help: ArgumentHelp(BusOptions.natsHelp, valueName: "url"))
    var nats: String?

    func run() async throws {
        let connection = try await BusOptions.connect(nats)
        defer { connection.close() }
        guard let app = try await AppsCommand.store(connection).get(name) else {
            throw CommandFailure("no app named \(name); `pipette apps` lists them")
        }
        if json { return Output.line(String(decoding: Wire.encode(app.releases), as: UTF8.self)) }
        Output.columns(Self.rows(app))
    }

    /// The releases table, newest first, with a header.
    static func rows(_ app: AppRecord) -> [[String]] {
        let formatter = ISO8601DateFormatter()
        return [["RELEASE", "CREATED", "BY", "STACK", "BUILDPACK", "DROPLET", "STAGING LOG", "START COMMAND"]]
            + app.releases.reversed().map {
                ["\($0.number)\($0.number == app.currentRelease ? " *" : "")",
                 formatter.string(from: Date(timeIntervalSince1970: $0.createdAt)), $0.createdBy, $0.stack, $0.detectedBuildpack,
                 $0.pruned ? "removed" : String($0.dropletSHA256.prefix(12)), $0.taskID, $0.startCommand]
            }
    }
}
