import ArgumentParser
import PipetteCore

struct RestartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restart",
        abstract: "Stop an app's instances, then start them again (new containers, same release).",
        discussion: """
            Cloud Foundry's restart: the app is marked stopped, its instances go, then it is
            marked started and the converger starts fresh ones; waits until they run.

            Example:
              pipette restart sinatra
            """)

    @OptionGroup var change: AppChange

    func run() async throws {
        let connection = try await BusOptions.connect(change.nats)
        defer { connection.close() }
        let stopped = try await change.update(on: connection) { $0.state = .stopped }
        try await InstanceWait(connection: connection, app: change.name, release: nil, count: 0,
                               timeout: .seconds(change.timeout)).run()
        Output.status("\(stopped.name): stopped; starting")
        let started = try await change.update(on: connection) { $0.state = .started }
        try await change.follow(started, on: connection)
    }
}
