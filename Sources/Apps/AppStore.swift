import Foundation
import NATS
import PipetteCore

/// Apps' desired state in the `pipette_apps` JetStream KV bucket, one `AppRecord` per app name.
/// Changes are compare-and-set on the record's revision, so two writers never lose each other's
/// change; nothing about an app lives only in a process's memory.
public struct AppStore: Sendable {
    public static let bucketName = JetStreamNames.appsBucket

    let bucket: KeyValueBucket

    /// Binds to the bucket, creating it when needed (with one replica per server of a cluster, up to 3).
    public static func open(_ nats: NATSConnection, replicas: Int? = nil) async throws(NATSError) -> AppStore {
        AppStore(bucket: try await KeyValueBucket.open(nats, bucket: bucketName, history: 5, replicas: replicas))
    }

    public func get(_ name: String) async throws -> AppRecord? {
        guard let entry = try await bucket.get(name) else { return nil }
        return try Wire.decode(AppRecord.self, from: entry.value)
    }

    /// Every app, by name.
    public func all() async throws -> [AppRecord] {
        var apps: [AppRecord] = []
        for name in try await bucket.keys() {
            if let app = try await get(name) { apps.append(app) }
        }
        return apps
    }

    /// Reads the record (nil when the app is new), lets `change` edit it and writes it back only if
    /// nobody wrote it meanwhile; otherwise reads again and retries.
    @discardableResult
    public func update(_ name: String, _ change: (inout AppRecord?) throws -> Void) async throws -> AppRecord? {
        for _ in 0..<20 {
            let entry = try await bucket.get(name)
            var record = try entry.map { try Wire.decode(AppRecord.self, from: $0.value) }
            try change(&record)
            guard let record else {
                if entry != nil { try await bucket.delete(name) }
                return nil
            }
            let value = Wire.encode(record)
            let written = if let entry {
                try await bucket.update(name, value, revision: entry.revision)
            } else {
                try await bucket.create(name, value)
            }
            if written != nil { return record }
        }
        throw AppStoreError(message: "app \(name) kept changing under this update (20 tries); try again")
    }
}

/// An `AppStore` operation that could not complete, said so a person can act.
public struct AppStoreError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
