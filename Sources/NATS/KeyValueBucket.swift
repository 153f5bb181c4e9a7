import CNATS
import Foundation

/// A NATS JetStream key-value bucket (libnats' KV API). Every call blocks in libnats, so each
/// runs on its own thread (``Blocking``). Owns the `jsCtx` and `kvStore` pointers.
public final class KeyValueBucket: Sendable {
    /// One value with the revision it was written at (for compare-and-set with ``update``).
    public struct Entry: Sendable, Equatable {
        public let key: String
        public let value: [UInt8]
        public let revision: UInt64
    }

    public let name: String
    private let handle: KeyValueHandle
    /// Kept open as long as the bucket is used.
    private let connection: NATSConnection

    private init(name: String, handle: KeyValueHandle, connection: NATSConnection) {
        self.name = name
        self.handle = handle
        self.connection = connection
    }

    /// Binds to bucket `name`, creating it first when it does not exist.
    /// - Parameters:
    ///   - ttl: how long a value lives after it was written (zero: forever).
    ///   - replicas: copies kept in a JetStream cluster (nil: ``NATSConnection/defaultReplicas``).
    ///   - timeout: how long each call on the bucket may wait for the server (nil: libnats' 5 s).
    public static func open(_ connection: NATSConnection, bucket name: String, ttl: Duration = .zero,
                            history: Int = 1, replicas: Int? = nil, timeout: Duration? = nil) async throws(NATSError) -> KeyValueBucket {
        let address = connection.address
        let replicas = replicas ?? connection.defaultReplicas
        let handle = try await Blocking.run { () throws(NATSError) -> KeyValueHandle in
            let context = try JetStreamContext(connection: address, timeout: timeout)
            let js = context.pointer
            var kv: OpaquePointer?
            var bound = js_KeyValue(&kv, js, name)
            if bound != NATS_OK {
                var config = kvConfig()
                kvConfig_Init(&config)
                bound = name.withCString { bucket in
                    config.Bucket = bucket
                    config.History = UInt8(clamping: history)
                    config.TTL = ttl.milliseconds * 1_000_000  // libnats takes nanoseconds
                    config.Replicas = Int32(replicas)
                    return js_CreateKeyValue(&kv, js, &config)
                }
            }
            guard bound == NATS_OK, let kv else { throw JetStreamContext.failure(bound, "open key-value bucket \(name)") }
            return KeyValueHandle(context: context, kv: UInt(bitPattern: Int(bitPattern: kv)))
        }
        return KeyValueBucket(name: name, handle: handle, connection: connection)
    }

    /// The current value of `key`, or nil when there is none (never written, deleted or expired).
    public func get(_ key: String) async throws(NATSError) -> Entry? {
        let kv = handle.kv
        return try await Blocking.run { () throws(NATSError) -> Entry? in
            var entry: OpaquePointer?
            let status = kvStore_Get(&entry, OpaquePointer(bitPattern: kv), key)
            if status == NATS_NOT_FOUND { return nil }
            try check(status, "get \(key)")
            guard let entry else { return nil }
            defer { kvEntry_Destroy(entry) }
            return Entry(copying: entry, key: key)
        }
    }

    /// Every key's current value (deleted keys left out), read through one watcher: the server
    /// sends the last value of each key in one go, instead of a round trip per ``get(_:)``.
    /// - Parameter timeout: how long to wait for each value (the read fails past it).
    public func entries(timeout: Duration = .seconds(5)) async throws(NATSError) -> [Entry] {
        let kv = handle.kv
        let name = self.name
        return try await Blocking.run { () throws(NATSError) -> [Entry] in
            var options = kvWatchOptions()
            kvWatchOptions_Init(&options)
            options.IgnoreDeletes = true
            var watcher: OpaquePointer?
            try check(kvStore_WatchAll(&watcher, OpaquePointer(bitPattern: kv), &options), "watch bucket \(name)")
            guard let watcher else { return [] }
            defer { kvWatcher_Destroy(watcher) }
            var entries: [Entry] = []
            while true {
                var entry: OpaquePointer?
                try check(kvWatcher_Next(&entry, watcher, max(1, timeout.milliseconds)), "read the values of bucket \(name)")
                // A nil entry marks the end of the current values (updates would follow).
                guard let entry else { return entries }
                defer { kvEntry_Destroy(entry) }
                entries.append(Entry(copying: entry, key: String(cString: kvEntry_Key(entry))))
            }
        }
    }

    /// Writes `value` only if `key` has none; returns the new revision, or nil when it has one.
    public func create(_ key: String, _ value: [UInt8]) async throws(NATSError) -> UInt64? {
        try await write(key, value, expecting: nil)
    }

    /// Writes `value` only if `key` is still at `revision`; nil when someone wrote it since.
    public func update(_ key: String, _ value: [UInt8], revision: UInt64) async throws(NATSError) -> UInt64? {
        try await write(key, value, expecting: revision)
    }

    /// Writes `value` whatever is there; returns the new revision.
    public func put(_ key: String, _ value: [UInt8]) async throws(NATSError) -> UInt64 {
        let kv = handle.kv
        return try await Blocking.run { () throws(NATSError) -> UInt64 in
            var revision: UInt64 = 0
            let status = value.withUnsafeBytes { kvStore_Put(&revision, OpaquePointer(bitPattern: kv), key, $0.baseAddress, Int32($0.count)) }
            try check(status, "put \(key)")
            return revision
        }
    }

    /// Every key that has a value, sorted.
    public func keys() async throws(NATSError) -> [String] {
        let kv = handle.kv
        return try await Blocking.run { () throws(NATSError) -> [String] in
            var list = kvKeysList()
            let status = kvStore_Keys(&list, OpaquePointer(bitPattern: kv), nil)
            if status == NATS_NOT_FOUND { return [] }
            try check(status, "list keys")
            defer { kvKeysList_Destroy(&list) }
            return (0..<Int(list.Count)).compactMap { list.Keys[$0].map { String(cString: $0) } }.sorted()
        }
    }

    public func delete(_ key: String) async throws(NATSError) {
        let kv = handle.kv
        try await Blocking.run { () throws(NATSError) in
            try check(kvStore_Delete(OpaquePointer(bitPattern: kv), key), "delete \(key)")
        }
    }

    private func write(_ key: String, _ value: [UInt8], expecting revision: UInt64?) async throws(NATSError) -> UInt64? {
        let kv = handle.kv
        return try await Blocking.run { () throws(NATSError) -> UInt64? in
            var written: UInt64 = 0
            let status = value.withUnsafeBytes { buffer in
                if let revision {
                    kvStore_Update(&written, OpaquePointer(bitPattern: kv), key, buffer.baseAddress, Int32(buffer.count), revision)
                } else {
                    kvStore_Create(&written, OpaquePointer(bitPattern: kv), key, buffer.baseAddress, Int32(buffer.count))
                }
            }
            if status == NATS_OK { return written }
            let reason = lastErrorText() ?? statusText(status)
            // A write that lost the race: the key exists (create) or moved on (update).
            if reason.localizedCaseInsensitiveContains("wrong last sequence") || reason.contains("10071")
                || reason.localizedCaseInsensitiveContains("key exists") {
                return nil
            }
            throw .operationFailed(operation: revision == nil ? "create \(key)" : "update \(key)", reason: reason)
        }
    }
}

extension KeyValueBucket.Entry {
    /// Copies a libnats entry (which the caller still owns and must destroy).
    init(copying entry: OpaquePointer, key: String) {
        let length = Int(kvEntry_ValueLen(entry))
        let value: [UInt8] = length == 0 ? [] : kvEntry_Value(entry)!.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
        self.init(key: key, value: value, revision: kvEntry_Revision(entry))
    }
}

/// Owns the bucket handle, and keeps its JetStream context alive until the handle is gone.
final class KeyValueHandle: Sendable {
    let context: JetStreamContext
    let kv: UInt
    init(context: JetStreamContext, kv: UInt) {
        self.context = context
        self.kv = kv
    }
    deinit { kvStore_Destroy(OpaquePointer(bitPattern: kv)) }
}

/// libnats' thread-local text of the last error, which says more than the status alone.
func lastErrorText() -> String? {
    guard let text = nats_GetLastError(nil) else { return nil }
    let message = String(cString: text)
    return message.isEmpty ? nil : message
}
