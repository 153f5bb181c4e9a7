import Foundation
import NATS
import Testing
import TestSupport

/// The JetStream key-value wrapper against a real nats-server (`-js`).
@Suite("NATS key-value buckets")
struct KeyValueBucketTests {
    @Test func createIsFirstWinsAndUpdateIsCompareAndSet() async throws {
        let server = try NATSServer()
        defer { server.stop() }
        let connection = try await NATSConnection.connect(server.url)
        defer { connection.close() }
        let bucket = try await KeyValueBucket.open(connection, bucket: "test_kv", ttl: .seconds(60))
        #expect(try await bucket.get("task-1") == nil)
        let first = try #require(try await bucket.create("task-1", Array("a".utf8)))
        #expect(try await bucket.create("task-1", Array("b".utf8)) == nil, "the second create loses")
        let entry = try #require(try await bucket.get("task-1"))
        #expect(entry.key == "task-1" && entry.value == Array("a".utf8) && entry.revision == first)
        let second = try #require(try await bucket.update("task-1", Array("c".utf8), revision: first))
        #expect(try await bucket.update("task-1", Array("d".utf8), revision: first) == nil, "a stale revision loses")
        #expect(try await bucket.get("task-1")?.value == Array("c".utf8))
        _ = try await bucket.put("task-1", Array("e".utf8))
        #expect(try await bucket.get("task-1")?.revision ?? 0 > second)
        try await bucket.delete("task-1")
        #expect(try await bucket.get("task-1") == nil)
        #expect(try await bucket.create("task-1", Array("f".utf8)) != nil, "a deleted key can be created again")
    }

    @Test func valuesOutliveAReconnectAndASecondClientSeesThem() async throws {
        let server = try NATSServer()
        defer { server.stop() }
        let one = try await NATSConnection.connect(server.url)
        defer { one.close() }
        _ = try await KeyValueBucket.open(one, bucket: "shared").put("k", Array("v".utf8))
        server.stop()
        try server.start()
        let two = try await NATSConnection.connect(server.url)
        defer { two.close() }
        #expect(try await KeyValueBucket.open(two, bucket: "shared").get("k")?.value == Array("v".utf8),
                "stored on disk by JetStream, bound by name")
    }

    @Test func withoutJetStreamTheErrorSaysHowToStartTheServer() async throws {
        let server = try NATSServer(jetStream: false)
        defer { server.stop() }
        let connection = try await NATSConnection.connect(server.url)
        defer { connection.close() }
        await #expect {
            _ = try await KeyValueBucket.open(connection, bucket: "nope")
        } throws: { error in
            (error as? NATSError)?.description.contains("start nats-server with JetStream: `nats-server -js -sd DIR`") == true
        }
    }
}
