import Foundation
import NATS
import Synchronization

/// Where stagers keep `StagingRecord`s: the shared JetStream KV bucket, or, when the server has
/// no JetStream, this process's memory (then only this stager's duplicates are caught).
protocol TaskRecordStore: Sendable {
    func get(_ key: String) async throws -> (value: [UInt8], revision: UInt64)?
    /// nil when the key already has a value.
    func create(_ key: String, _ value: [UInt8]) async throws -> UInt64?
    /// nil when the key moved past `revision`.
    func update(_ key: String, _ value: [UInt8], revision: UInt64) async throws -> UInt64?
    func put(_ key: String, _ value: [UInt8]) async throws -> UInt64
}

extension KeyValueBucket: TaskRecordStore {
    func get(_ key: String) async throws -> (value: [UInt8], revision: UInt64)? {
        let entry: Entry? = try await get(key)
        return entry.map { ($0.value, $0.revision) }
    }
}

/// Records in memory, each kept for `ttl`, at most `limit` of them (oldest dropped first).
final class MemoryTaskRecordStore: TaskRecordStore {
    private struct Slot {
        var value: [UInt8]
        var revision: UInt64
        var written: ContinuousClock.Instant
    }

    private let slots = Mutex<(entries: [String: Slot], revision: UInt64)>(([:], 0))
    private let ttl: Duration
    private let limit: Int

    init(ttl: Duration, limit: Int = 10_000) {
        self.ttl = ttl
        self.limit = limit
    }

    func get(_ key: String) async throws -> (value: [UInt8], revision: UInt64)? {
        slots.withLock { state in
            prune(&state.entries)
            return state.entries[key].map { ($0.value, $0.revision) }
        }
    }

    func create(_ key: String, _ value: [UInt8]) async throws -> UInt64? {
        slots.withLock { state in
            prune(&state.entries)
            guard state.entries[key] == nil else { return nil }
            state.revision += 1
            state.entries[key] = Slot(value: value, revision: state.revision, written: .now)
            return state.revision
        }
    }

    func update(_ key: String, _ value: [UInt8], revision: UInt64) async throws -> UInt64? {
        slots.withLock { state in
            guard state.entries[key]?.revision == revision else { return nil }
            state.revision += 1
            state.entries[key] = Slot(value: value, revision: state.revision, written: .now)
            return state.revision
        }
    }

    func put(_ key: String, _ value: [UInt8]) async throws -> UInt64 {
        slots.withLock { state in
            state.revision += 1
            state.entries[key] = Slot(value: value, revision: state.revision, written: .now)
            return state.revision
        }
    }

    private func prune(_ entries: inout [String: Slot]) {
        let now = ContinuousClock.now
        entries = entries.filter { now - $0.value.written < ttl }
        if entries.count >= limit {
            for (key, _) in entries.sorted(by: { $0.value.written < $1.value.written }).prefix(entries.count - limit + 1) {
                entries[key] = nil
            }
        }
    }
}
