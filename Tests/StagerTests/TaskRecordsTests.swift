import PipetteCore
@testable import Stager
import Testing

/// The duplicate check's records when the shared store fails the way JetStream does while a
/// stream elects a new leader after a NATS node was lost.
@Suite("Task records")
struct TaskRecordsTests {
    /// A shared store whose puts fail (`failingPuts` of them, then it takes them).
    final class FlakyStore: TaskRecordStore, @unchecked Sendable {
        let inner = MemoryTaskRecordStore(ttl: .seconds(60))
        var failingPuts: Int
        var puts = 0
        init(failingPuts: Int) { self.failingPuts = failingPuts }

        struct Unreachable: Error {}
        func get(_ key: String) async throws -> (value: [UInt8], revision: UInt64)? { try await inner.get(key) }
        func create(_ key: String, _ value: [UInt8]) async throws -> UInt64? { try await inner.create(key, value) }
        func update(_ key: String, _ value: [UInt8], revision: UInt64) async throws -> UInt64? {
            try await inner.update(key, value, revision: revision)
        }
        func put(_ key: String, _ value: [UInt8]) async throws -> UInt64 {
            puts += 1
            if puts <= failingPuts { throw Unreachable() }
            return try await inner.put(key, value)
        }
    }

    @Test func aReplyTheSharedStoreLostIsStillGivenToAResendReachingThisStager() async throws {
        let store = FlakyStore(failingPuts: 10)
        let records = TaskRecords(store: store, stager: "s1")
        #expect(try await records.claim("t1", fingerprint: "f", deadline: Int.max).isOwner)
        await #expect(throws: FlakyStore.Unreachable.self) {
            try await records.finish("t1", fingerprint: "f", reply: StagingReply(taskID: "t1", taskLog: "done"))
        }
        #expect(store.puts == 3, "tried three times")
        // The shared record still says running (until its deadline); this stager knows better.
        guard case .finished(let reply) = try await records.claim("t1", fingerprint: "f", deadline: Int.max) else {
            Issue.record("a resend should get the reply this stager gave")
            return
        }
        #expect(reply.taskLog == "done")
        // Another stager sharing the store only sees the running record.
        let other = TaskRecords(store: store, stager: "s2")
        guard case .running(let stager, _) = try await other.claim("t1", fingerprint: "f", deadline: Int.max) else {
            Issue.record("another stager waits for the running task")
            return
        }
        #expect(stager == "s1")
    }

    @Test func aPutThatFailsOnceIsTriedAgainAndShared() async throws {
        let store = FlakyStore(failingPuts: 1)
        let records = TaskRecords(store: store, stager: "s1")
        _ = try await records.claim("t2", fingerprint: "f", deadline: Int.max)
        try await records.finish("t2", fingerprint: "f", reply: StagingReply(taskID: "t2", taskLog: "ok"))
        let other = TaskRecords(store: store, stager: "s2")
        guard case .finished(let reply) = try await other.claim("t2", fingerprint: "f", deadline: Int.max) else {
            Issue.record("the second put reached the shared store")
            return
        }
        #expect(reply.taskLog == "ok")
    }
}

extension TaskRecords.Claim {
    var isOwner: Bool { if case .owner = self { true } else { false } }
}
