import ArgumentParser
import PipetteCore

struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Make an earlier release current again (no restaging) and roll it out like a push.",
        discussion: """
            Without --to, goes back to the newest kept release before the current one. The
            converger starts the release's instances next to the running ones and stops each
            old instance only once a new one at its index is healthy; if the release's
            instances crash, the old ones keep serving and rollback says why (exit 1).

            Examples:
              pipette rollback sinatra
              pipette rollback sinatra --to 3
            """)

    @OptionGroup var change: AppChange

    @Option(help: ArgumentHelp("The release to make current (default: the one before the current).", valueName: "n"))
    var to: Int?

    func run() async throws {
        let connection = try await BusOptions.connect(change.nats)
        defer { connection.close() }
        var target: AppRelease?
        let record = try await change.update(on: connection) { app throws(AppRecordError) in
            let release = try app.rollbackTarget(to)
            target = release
            app.currentRelease = release.number
        }
        guard let target else { return }
        Output.status("==> \(change.name): release \(target.number) is current (droplet \(target.dropletSHA256.prefix(12)), "
                      + "staged \(target.taskID)); rolling it out")
        try await change.follow(record, on: connection)
    }
}
