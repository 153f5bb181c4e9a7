import Foundation
import NATS
import Testing
import TestSupport

/// JetStream streams through the wrapper, against a real nats-server (`-js`).
@Suite("NATS message streams")
struct MessageStreamTests {
    @Test func whatWasPublishedIsReplayedInOrderThenFollowed() async throws {
        let server = try NATSServer()
        defer { server.stop() }
        let connection = try await NATSConnection.connect(server.url)
        defer { connection.close() }
        let stream = try await MessageStream.ensure(connection, name: "TEST_LOGS", subjects: ["test.logs.>"],
                                                    maxAge: .seconds(60), maxBytes: 1 << 20)
        _ = try await MessageStream.ensure(connection, name: "TEST_LOGS", subjects: ["test.logs.>"],
                                           maxAge: .seconds(60), maxBytes: 1 << 20)  // a second time binds
        for i in 0..<300 { try connection.publish("test.logs.a", "a\(i)") }
        try connection.publish("test.logs.b", "b0")
        try await connection.flush()

        let reader = try await stream.reader(filter: "test.logs.a")
        var seen: [String] = []
        while true {
            let batch = try await reader.next(wait: .seconds(5))
            seen += batch.map { String(decoding: $0.payload, as: UTF8.self) }
            if batch.isEmpty || batch.last?.pending == 0 { break }
        }
        #expect(seen == (0..<300).map { "a\($0)" }, "all kept, in order, only the filter's subject")

        let live = try await stream.reader(filter: "test.logs.>", onlyNew: true)
        #expect(try await live.next(wait: .milliseconds(300)).isEmpty, "a reader from now on sees nothing old")
        try connection.publish("test.logs.b", "b1")
        let next = try await live.next(wait: .seconds(5))
        #expect(next.map { String(decoding: $0.payload, as: UTF8.self) } == ["b1"])
        #expect(next.first?.subject == "test.logs.b")
    }

    @Test func withoutJetStreamTheErrorSaysHowToStartTheServer() async throws {
        let server = try NATSServer(jetStream: false)
        defer { server.stop() }
        let connection = try await NATSConnection.connect(server.url)
        defer { connection.close() }
        await #expect {
            _ = try await MessageStream.ensure(connection, name: "X", subjects: ["x.>"], maxAge: .zero, maxBytes: 1024)
        } throws: { error in
            (error as? NATSError)?.description.contains("nats-server -js -sd DIR") == true
        }
    }
}
