import ArgumentParser
import PipetteCore

struct DeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete an app: its desired state and releases go, and the converger stops its instances.",
        discussion: """
            Removes the app's record from the pipette_apps bucket and its releases' droplets
            and packages from the blobstore (signed with $PIPETTE_BLOBSTORE_SECRET), then
            waits until no cell reports an instance of it (--no-wait returns at once). Its log
            lines stay in the log stream until they age out.

            Example:
              pipette delete sinatra
            """)

    @OptionGroup var change: AppChange

    @Option(help: ArgumentHelp("Blobstore: http(s)://HOST:PORT or s3://BUCKET?endpoint=…&region=… (default: $PIPETTE_BLOBSTORE_URL, else http://127.0.0.1:8081).",
                               valueName: "url"))
    var blobstore: String?

    func run() async throws {
        let blobs = try ReleaseBlobs(flag: blobstore)
        let connection = try await BusOptions.connect(change.nats)
        defer { connection.close() }
        let store = try await AppsCommand.store(connection)
        guard let app = try await store.get(change.name) else {
            throw CommandFailure("no app named \(change.name); `pipette apps` lists them")
        }
        try await store.update(change.name) { $0 = nil }
        Output.status("\(change.name): deleted")
        await blobs.remove(app.releases.filter { !$0.pruned }, of: change.name, why: "the app is deleted")
        guard !change.noWait else { return }
        try await InstanceWait(connection: connection, app: change.name, release: nil, count: 0,
                               timeout: .seconds(change.timeout)).run()
        Output.status("\(change.name): no instances left")
    }
}
