import Apps
import NATS
import PipetteCore

/// Reads every app of the `pipette_apps` bucket for a convergence pass, all at once: one KV
/// watcher delivers the last record of every app, where `AppStore.all()` lists the keys and then
/// gets each record in its own round trip (1,000 apps: about 1,000 round trips per pass).
struct AppsReader: Sendable {
    private let bucket: KeyValueBucket

    private init(bucket: KeyValueBucket) { self.bucket = bucket }

    /// Binds to the bucket; `AppStore` creates it first when needed, with its settings.
    static func open(_ nats: NATSConnection) async throws -> AppsReader {
        _ = try await AppStore.open(nats)
        return AppsReader(bucket: try await KeyValueBucket.open(nats, bucket: AppStore.bucketName))
    }

    /// Every app, by name.
    func all() async throws -> [AppRecord] {
        try await bucket.entries().map { try Wire.decode(AppRecord.self, from: $0.value) }.sorted { $0.name < $1.name }
    }
}
