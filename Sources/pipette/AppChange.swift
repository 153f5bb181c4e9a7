import Apps
import ArgumentParser
import Foundation
import NATS
import PipetteCore

/// What `scale`, `stop`, `start` and `restart` share: the app, where NATS is, and how long to wait
/// for the instances to follow the change.
struct AppChange: ParsableArguments {
    @Argument(help: "The app's name.")
    var name: String

    @Option(help: "Seconds to wait for the instances to follow the change.")
    var timeout = 180

    @Flag(help: "Record the change and return without waiting for the instances.")
    var noWait = false

    @Option(help: ArgumentHelp(BusOptions.natsHelp, valueName: "url"))
    var nats: String?

    func validate() throws {
        if timeout < 1 { throw ValidationError("--timeout must be at least 1 second") }
    }

    /// Edits the app's desired state (compare-and-set in the bucket); fails naming the app when there is none.
    @discardableResult
    func update(on connection: NATSConnection, _ edit: (inout AppRecord) throws -> Void) async throws -> AppRecord {
        let store = try await AppsCommand.store(connection)
        let record = try await store.update(name) { record in
            guard var app = record else { throw CommandFailure("no app named \(name); `pipette apps` lists them") }
            try edit(&app)
            record = app
        }
        guard let record else { throw CommandFailure("no app named \(name); `pipette apps` lists them") }
        return record
    }

    /// Connects, applies `edit` and follows the instances: what `scale`, `stop` and `start` do.
    func apply(_ edit: (inout AppRecord) throws -> Void) async throws {
        let connection = try await BusOptions.connect(nats)
        defer { connection.close() }
        try await follow(update(on: connection, edit), on: connection)
    }

    /// Waits (unless --no-wait) until the app runs what `record` desires, then prints the instances.
    func follow(_ record: AppRecord, on connection: NATSConnection) async throws {
        guard !noWait else { return }
        let running = try await InstanceWait(connection: connection, app: name, release: record.currentRelease,
                                             count: record.desiredInstances, timeout: .seconds(timeout)).run()
        if record.desiredInstances == 0 {
            Output.status("\(name): no instances running")
        } else {
            Output.columns(AppCommand.instanceRows(running))
        }
    }
}
