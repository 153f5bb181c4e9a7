import Foundation
import NATS
import Synchronization
import Testing
import TestSupport

/// One subscription shared by many followers against a real nats-server: each gets its own
/// subject's messages and every broadcast, in order; a stopped one gets nothing more.
@Suite("NATS subject mux")
struct SubjectMuxTests {
    /// The messages `follower` has buffered until `count` arrived.
    static func take(_ count: Int, from follower: SubjectMux.Follower) async -> [String] {
        var taken: [String] = []
        for await message in follower {
            taken.append("\(message.subject) \(message.string)")
            if taken.count == count { break }
        }
        return taken
    }

    @Test func eachFollowerGetsItsOwnSubjectsAndEveryBroadcast() async throws {
        let server = try NATSServer(jetStream: false)
        let connection = try await NATSConnection.connect(server.url)
        let publisher = try await NATSConnection.connect(server.url)
        defer { connection.close(); publisher.close() }
        let mux = SubjectMux(connection: connection, prefix: "p.s1", broadcast: ["p.lost"])
        let a = try await mux.follow("p.s1.a")
        let b = try await mux.follow("p.s1.b")
        for index in 0..<100 {
            try publisher.publish("p.s1.a.log", "a\(index)")
            try publisher.publish("p.s1.b.done", "b\(index)")
        }
        try publisher.publish("p.s1.c.log", "nobody follows c")
        try publisher.publish("p.s2.a.log", "another prefix")
        try publisher.publish("p.lost", "everyone")
        // A follower's own messages in order; the broadcast (another subscription, another
        // delivery thread) anywhere among them.
        let gotA = await Self.take(101, from: a)
        #expect(gotA.filter { $0 != "p.lost everyone" } == (0..<100).map { "p.s1.a.log a\($0)" } && gotA.contains("p.lost everyone"))
        let gotB = await Self.take(101, from: b)
        #expect(gotB.filter { $0 != "p.lost everyone" } == (0..<100).map { "p.s1.b.done b\($0)" } && gotB.contains("p.lost everyone"))

        b.stop()
        try publisher.publish("p.s1.b.log", "after the stop")
        try publisher.publish("p.s1.a.log", "still here")
        #expect(await Self.take(1, from: a) == ["p.s1.a.log still here"])
        var rest: [String] = []
        for await message in b { rest.append(message.string) }
        #expect(rest.isEmpty, "a stopped follower's sequence ends with nothing more")
    }

    @Test func aSubjectOutsideThePrefixOrOfSeveralTokensIsRefused() async throws {
        let server = try NATSServer(jetStream: false)
        let connection = try await NATSConnection.connect(server.url)
        defer { connection.close() }
        let mux = SubjectMux(connection: connection, prefix: "p.s1")
        for subject in ["p.s2.a", "p.s1", "p.s1.a.b", "p.s1."] {
            await #expect(throws: NATSError.self) { _ = try await mux.follow(subject) }
        }
    }

    @Test func closingTheConnectionEndsEveryFollower() async throws {
        let server = try NATSServer(jetStream: false)
        let connection = try await NATSConnection.connect(server.url)
        let mux = SubjectMux(connection: connection, prefix: "p.s1")
        let a = try await mux.follow("p.s1.a")
        connection.close()
        var seen = 0
        for await _ in a { seen += 1 }
        #expect(seen == 0)
        await #expect(throws: NATSError.closed) { _ = try await mux.follow("p.s1.b") }
    }
}
