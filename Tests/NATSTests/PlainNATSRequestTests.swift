import Foundation
@testable import NATS
import Synchronization
import Testing
import TestSupport

/// One request over a plain socket against a real nats-server: the reply with every message
/// followed before it, and a hand-over (never a wrong answer) for each case it leaves to libnats.
@Suite("Plain NATS request")
struct PlainNATSRequestTests {
    /// A responder on `svc` over libnats: `answer` gets each request and the connection.
    static func responder(_ url: String, answer: @escaping @Sendable (NATSMessage, NATSConnection) -> Void) async throws
        -> (NATSConnection, Task<Void, Never>) {
        let connection = try await NATSConnection.connect(url)
        let requests = try connection.subscribe("svc")
        try await connection.flush()
        let task = Task { for await request in requests { answer(request, connection) } }
        return (connection, task)
    }

    static func send(_ url: String, timeout: Duration = .seconds(10), silence: Duration = .seconds(10),
                     onMessage: @escaping @Sendable (NATSMessage) -> Void = { _ in }) async throws -> PlainNATSRequest.Outcome {
        try await PlainNATSRequest.send(Array("ask".utf8), to: "svc", url: url, following: "log.t",
                                        timeout: timeout, silence: silence, onMessage: onMessage)
    }

    @Test func theReplyComesAfterEveryMessageFollowedBeforeIt() async throws {
        let server = try NATSServer(jetStream: false)
        let (connection, task) = try await Self.responder(server.url) { request, connection in
            for line in 0..<200 { try? connection.publish("log.t", "line \(line)") }
            try? connection.publish(request.replyTo ?? "", "answer to \(request.string)")
        }
        defer { task.cancel(); connection.close() }
        let lines = Mutex<[String]>([])
        let outcome = try await Self.send(server.url) { message in lines.withLock { $0.append(message.string) } }
        guard case .reply(let reply) = outcome else { Issue.record("\(outcome)"); return }
        #expect(reply.string == "answer to ask")
        #expect(reply.subject.hasPrefix("_INBOX."))
        #expect(lines.withLock { $0 } == (0..<200).map { "line \($0)" })
    }

    @Test func credentialsInTheURLAreUsedAndARefusalIsHandedOver() async throws {
        let server = try NATSServer(arguments: ["--user", "stager", "--pass", "s3cret"], jetStream: false)
        let good = "nats://stager:s3cret@127.0.0.1:\(server.port)"
        let (connection, task) = try await Self.responder(good) { request, connection in
            try? connection.publish(request.replyTo ?? "", "ok")
        }
        defer { task.cancel(); connection.close() }
        guard case .reply(let reply) = try await Self.send(good) else { Issue.record("not answered"); return }
        #expect(reply.string == "ok")
        let wrong = try await Self.send("nats://stager:wrong@127.0.0.1:\(server.port)")
        #expect(wrong == .handOver("the server said: Authorization Violation"))
        let none = try await Self.send("nats://127.0.0.1:\(server.port)")
        #expect(none == .handOver("the server requires credentials the URL does not give"))
    }

    @Test func nobodySubscribedIsHandedOver() async throws {
        let server = try NATSServer(jetStream: false)
        #expect(try await Self.send(server.url) == .handOver("nobody is subscribed to svc yet"))
    }

    @Test func noServerListeningIsHandedOver() async throws {
        let url = "nats://127.0.0.1:\(freePort()),127.0.0.1:\(freePort())"
        #expect(try await Self.send(url) == .handOver("no server of \(url) accepted a connection"))
    }

    @Test func aServerThatAcceptsButSaysNothingIsHandedOverSoon() async throws {
        let hung = SilentServer()
        let outcome = try await PlainNATSRequest.send(Array("ask".utf8), to: "svc", url: "nats://127.0.0.1:\(hung.port)",
                                                      following: nil, timeout: .seconds(60), silence: .seconds(30),
                                                      connectPatience: .milliseconds(300)) { _ in }
        // Handed over after the connection's patience, not the 30 s of silence a request may wait.
        #expect(outcome == .handOver("the server sent no INFO within 0.3 seconds"))
    }

    @Test func tlsIsHandedOver() async throws {
        #expect(try await Self.send("tls://127.0.0.1:1") == .handOver("tls://127.0.0.1:1 needs libnats (TLS or an encoded credential)"))
        let pki = try TestCertificates()
        defer { pki.remove() }
        let server = try NATSServer(arguments: pki.natsServerArguments(pki.server), jetStream: false)
        #expect(try await Self.send(server.url) == .handOver("the server requires TLS"))
    }

    @Test func silenceIsHandedOverAndTheDeadlineThrows() async throws {
        let server = try NATSServer(jetStream: false)
        let (connection, task) = try await Self.responder(server.url) { _, _ in }
        defer { task.cancel(); connection.close() }
        #expect(try await Self.send(server.url, silence: .milliseconds(300)) == .handOver("nothing was heard for 0.3 seconds"))
        await #expect(throws: NATSError.timedOut(subject: "svc", seconds: 1)) {
            _ = try await Self.send(server.url, timeout: .seconds(1), silence: .seconds(30))
        }
    }

    @Test func aServerGoneMidWayIsHandedOver() async throws {
        let server = try NATSServer(jetStream: false)
        let (connection, task) = try await Self.responder(server.url) { _, _ in server.kill() }
        defer { task.cancel(); connection.close() }
        #expect(try await Self.send(server.url) == .handOver("the server closed the connection"))
    }

    @Test(arguments: [
        ("nats://u:p@host:1234", PlainNATSRequest.Server(host: "host", port: 1234, user: "u", password: "p")),
        ("nats://t0ken@host", PlainNATSRequest.Server(host: "host", token: "t0ken")),
        ("127.0.0.1:4333", PlainNATSRequest.Server(host: "127.0.0.1", port: 4333)),
        ("NATS://[::1]:4222/", PlainNATSRequest.Server(host: "[::1]", port: 4222)),
        ("nats://[::1]", PlainNATSRequest.Server(host: "[::1]")),
    ])
    func aPlainURLNamesItsServer(url: String, server: PlainNATSRequest.Server) {
        #expect(PlainNATSRequest.Server(url) == server)
    }

    @Test(arguments: ["tls://host:4222", "nats://u:p%40ss@host", "nats://us\"er:p@host", "nats://u:p\\w@host", "nats://host:0",
                      "nats://:4222", "http://host"])
    func whatOnlyLibnatsHandlesNamesNoPlainServer(url: String) {
        #expect(PlainNATSRequest.Server(url) == nil)
    }

    @Test func theConnectLineCarriesTheCredentials() throws {
        let server = try #require(PlainNATSRequest.Server("nats://us.er:p~w=1@h"))
        #expect(server.connectLine.hasSuffix(#","user":"us.er","pass":"p~w=1"}"# + "\r\n"))
        let token = try #require(PlainNATSRequest.Server("nats://t0-k_en@h"))
        #expect(token.connectLine.hasSuffix(#","auth_token":"t0-k_en"}"# + "\r\n"))
    }

    @Test func theServerInfoIsRead() {
        let info = PlainNATSRequest.ServerInfo(#"{"server_id":"x","tls_required":true,"headers":true,"max_payload":2048,"auth_required":false}"#)
        #expect(info.tlsRequired && info.headers && !info.authRequired && info.maxPayload == 2048)
        let bare = PlainNATSRequest.ServerInfo(#"{"server_id":"x"}"#)
        #expect(!bare.tlsRequired && !bare.headers && bare.maxPayload == 1 << 20)
    }
}
