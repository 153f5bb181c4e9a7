import Foundation
import PipetteCore

/// Staging made idempotent by `task_id` across every stager of the queue group: the first to
/// claim a task id stages it; a duplicate of a running task waits for its reply; a duplicate of
/// a finished one gets the recorded reply; a running record whose stager died is taken over after
/// its deadline.
struct TaskRecords: Sendable {
    enum Claim: Sendable {
        /// This stager stages the task.
        case owner
        case finished(StagingReply)
        /// Another stager is staging it; it promised to finish by `deadline` (unix seconds).
        case running(stager: String, deadline: Int)
        /// The id was used for different work.
        case conflict(String)
    }

    let store: any TaskRecordStore
    /// This stager's name, recorded in the records it owns.
    let stager: String
    /// The replies this stager gave, kept here too: when the shared store could not take one
    /// (its JetStream leader lost with a NATS node) a resend that reaches this stager still gets
    /// it, instead of waiting on a record left `running`. The last 256, within `ttl`.
    let given: MemoryTaskRecordStore

    init(store: any TaskRecordStore, stager: String, ttl: Duration = .seconds(3600)) {
        self.store = store
        self.stager = stager
        given = MemoryTaskRecordStore(ttl: ttl, limit: 256)
    }

    /// KV keys allow `[-/_=.a-zA-Z0-9]`; task ids also have `:`, which maps to `=` (never in an id).
    static func key(_ taskID: String) -> String { taskID.replacingOccurrences(of: ":", with: "=") }

    func claim(_ taskID: String, fingerprint: String, deadline: Int) async throws -> Claim {
        let mine = Wire.encode(StagingRecord(state: .running, stager: stager, fingerprint: fingerprint, deadline: deadline))
        let key = Self.key(taskID)
        if let (value, _) = try await given.get(key), let record = try? Wire.decode(StagingRecord.self, from: value),
           record.fingerprint == fingerprint, let reply = record.reply {
            return .finished(reply)
        }
        for _ in 0..<5 {
            if try await store.create(key, mine) != nil { return .owner }
            guard let (value, revision) = try await store.get(key) else { continue }  // expired in between
            let record = try Wire.decode(StagingRecord.self, from: value)
            if record.fingerprint != fingerprint {
                return .conflict("task_id \(taskID) was already used for a different staging request "
                                 + "(another app, stack, buildpacks or environment); use a new task_id")
            }
            switch record.state {
            case .finished:
                if let reply = record.reply { return .finished(reply) }
            case .running where record.deadline < Int(Date().timeIntervalSince1970):
                if try await store.update(key, mine, revision: revision) != nil { return .owner }
            case .running:
                return .running(stager: record.stager, deadline: record.deadline)
            }
        }
        return .owner
    }

    /// Records the reply for later duplicates (kept for the bucket's TTL), here and in the shared
    /// store; a put is idempotent, so a failed one is tried twice more, a second apart.
    func finish(_ taskID: String, fingerprint: String, reply: StagingReply) async throws {
        let record = Wire.encode(StagingRecord(state: .finished, stager: stager, fingerprint: fingerprint, deadline: 0, reply: reply))
        let key = Self.key(taskID)
        _ = try await given.put(key, record)
        for attempt in 1...3 {
            do {
                _ = try await store.put(key, record)
                return
            } catch where attempt < 3 {
                try await Task.sleep(for: .seconds(1))
            }
        }
    }
}
