import Foundation
import NATS
import PipetteCore
@testable import Stager
import Synchronization
import Testing
import TestSupport

/// The client side of the seed's protocol against a real nats-server, with a stand-in stager that
/// loses what a dying NATS node would lose.
@Suite("Staging client")
struct StagingClientTests {
    /// The reply the client decodes while it waits (to ready the decoder) is a valid one with every field.
    @Test func theSampleReplyDecodesWithEveryField() throws {
        let reply = try JSONDecoder().decode(StagingReply.self, from: Data(StagingClient.sampleReply.utf8))
        #expect(reply.detectedBuildpack != nil && reply.startCommand != nil && reply.stack != nil && reply.cellID != nil)
        #expect(reply.droplet?.blobURL != nil && reply.durationsMs == ["stage": 1])
    }

    /// A stand-in stager on `staging`: hands every request to `answer`, which returns the reply
    /// to send (nil: drop the request, as if it was lost in flight).
    private static func stager(on server: NATSServer, answer: @escaping @Sendable (Int, NATSMessage, NATSConnection) async -> String?)
        async throws -> (NATSConnection, Task<Void, Never>) {
        let connection = try await NATSConnection.connect(server.url)
        let requests = try connection.subscribe("staging")
        try await connection.flush()
        let task = Task {
            var count = 0
            for await request in requests {
                count += 1
                if let reply = await answer(count, request, connection), let to = request.replyTo { try? connection.publish(to, reply) }
            }
        }
        return (connection, task)
    }

    /// A stand-in stager's answer: 200 log lines on the request's log subject, then the reply.
    @Sendable private static func twoHundredLinesThenTheReply(_: Int, _ message: NATSMessage, _ connection: NATSConnection) async -> String? {
        guard let request = try? JSONDecoder().decode(StagingRequest.self, from: Data(message.payload)),
              let logs = request.logSubject, let taskID = request.taskID else { return nil }
        for index in 0..<200 { try? connection.publish(logs, "line \(index)") }
        return reply(taskID)
    }

    private static func reply(_ taskID: String) -> String {
        String(decoding: Wire.encode(StagingReply(taskID: taskID, taskLog: "")), as: UTF8.self)
    }

    private static func request(_ taskID: String) -> StagingRequest {
        var request = StagingRequest(appID: "app", downloadURI: "http://127.0.0.1:1/app.zip")
        request.taskID = taskID
        return request
    }

    @Test func aLostRequestIsSentAgainAfterSilenceAndAnsweredOnce() async throws {
        let server = try NATSServer()
        let seen = Mutex<[String]>([])
        let (stagerConnection, stager) = try await Self.stager(on: server) { count, message, _ in
            seen.withLock { $0.append(message.string) }
            return count == 1 ? nil : Self.reply("t1")
        }
        defer { stager.cancel(); stagerConnection.close() }
        let connection = try await NATSConnection.connect(server.url)
        var client = StagingClient(connection: connection)
        client.resendAfterSilence = .milliseconds(300)
        let reply = try await client.stage(Self.request("t1"), timeout: .seconds(30)) { _ in }
        #expect(reply.taskID == "t1")
        let requests = seen.withLock { $0 }
        // Twice; a third time only when this machine stalled the answer past the silence again.
        #expect(requests.count >= 2 && Set(requests).count == 1, "the same request, sent again: \(requests)")
    }

    @Test func liveLogLinesKeepARequestFromBeingSentAgain() async throws {
        let server = try NATSServer()
        let seen = Mutex(0)
        let (stagerConnection, stager) = try await Self.stager(on: server) { _, message, connection in
            seen.withLock { $0 += 1 }
            let logs = (try? JSONDecoder().decode(StagingRequest.self, from: Data(message.payload)))?.logSubject ?? ""
            // A staging that takes 5 s, more than the silence allows, saying something every 0.1 s.
            for index in 0..<50 {
                try? connection.publish(logs, "line \(index)")
                try? await Task.sleep(for: .milliseconds(100))
            }
            return Self.reply("t2")
        }
        defer { stager.cancel(); stagerConnection.close() }
        let connection = try await NATSConnection.connect(server.url)
        var client = StagingClient(connection: connection)
        client.resendAfterSilence = .seconds(2)
        let lines = Mutex<[String]>([])
        let reply = try await client.stage(Self.request("t2"), timeout: .seconds(30)) { line in lines.withLock { $0.append(line) } }
        #expect(reply.taskID == "t2")
        #expect(seen.withLock { $0 } == 1, "sent once: log lines came more often than the silence allows")
        #expect(lines.withLock { $0 }.count == 50)
    }

    /// Every log line the stager sends before its reply is printed before `stage` returns: on a
    /// connection that delivers in order (nothing drained; `pipette stage`'s) and on one that
    /// does not (the log subscription drained).
    @Test(arguments: [true, false])
    func everyLogLineSentBeforeTheReplyIsPrinted(ordered: Bool) async throws {
        let server = try NATSServer()
        let (stagerConnection, stager) = try await Self.stager(on: server, answer: Self.twoHundredLinesThenTheReply)
        defer { stager.cancel(); stagerConnection.close() }
        var options = NATSOptions()
        options.orderedDelivery = ordered
        let connection = try await NATSConnection.connect(server.url, options: options)
        let client = StagingClient(connection: connection)
        for round in 0..<5 {
            let lines = Mutex<[String]>([])
            let reply = try await client.stage(Self.request("t-\(round)"), timeout: .seconds(30)) { line in
                lines.withLock { $0.append(line) }
            }
            #expect(reply.taskID == "t-\(round)")
            #expect(lines.withLock { $0 } == (0..<200).map { "line \($0)" })
        }
    }

    /// `pipette stage`'s plain socket: the reply decoded after every line; with no stager yet,
    /// a hand-over (the libnats path then waits for one, as above).
    @Test func aPlainStagingPrintsEveryLineThenTheReplyAndHandsOverWhatItCannotDo() async throws {
        let server = try NATSServer()
        let request = Self.request("t-plain")
        #expect(try await StagingClient.stagePlainly(request, url: server.url, timeout: .seconds(30)) { _ in }
            .handOverReason == "nobody is subscribed to staging yet")
        let (stagerConnection, stager) = try await Self.stager(on: server, answer: Self.twoHundredLinesThenTheReply)
        defer { stager.cancel(); stagerConnection.close() }
        let lines = Mutex<[String]>([])
        let outcome = try await StagingClient.stagePlainly(request, url: server.url, timeout: .seconds(30)) { line in
            lines.withLock { $0.append(line) }
        }
        guard case .reply(let reply) = outcome else { Issue.record("\(outcome)"); return }
        #expect(reply.taskID == "t-plain")
        #expect(lines.withLock { $0 } == (0..<200).map { "line \($0)" })
        var untracked = request
        untracked.taskID = nil
        #expect(try await StagingClient.stagePlainly(untracked, url: server.url, timeout: .seconds(30)) { _ in }
            .handOverReason == "the request names no task id")
    }

    @Test func aStagerThatSubscribesWithinTheGraceIsWaitedFor() async throws {
        let server = try NATSServer()
        let connection = try await NATSConnection.connect(server.url)
        var client = StagingClient(connection: connection)
        let waiting = Reported<Bool>()
        client.onWaitingForStager = { waiting.set(true) }
        async let reply = client.stage(Self.request("t3"), timeout: .seconds(30)) { _ in }
        // The stager subscribes only once the client has found nobody there.
        _ = await waiting.value
        let (stagerConnection, stager) = try await Self.stager(on: server) { _, _, _ in Self.reply("t3") }
        defer { stager.cancel(); stagerConnection.close() }
        #expect(try await reply.taskID == "t3")
    }

    @Test func withNoStagerItSaysNobodyListensAfterTheGrace() async throws {
        let server = try NATSServer()
        let connection = try await NATSConnection.connect(server.url)
        var client = StagingClient(connection: connection)
        client.respondersGrace = .milliseconds(500)
        let told = Mutex(0)
        client.onWaitingForStager = { told.withLock { $0 += 1 } }
        await #expect(throws: NATSError.noResponders(subject: "staging")) {
            _ = try await client.stage(Self.request("t4"), timeout: .seconds(30)) { _ in }
        }
        #expect(told.withLock { $0 } == 1, "the wait is said once")
    }

    @Test func aRequestWithoutATaskIDIsNeverSentTwice() async throws {
        let server = try NATSServer()
        let seen = Mutex(0)
        let (stagerConnection, stager) = try await Self.stager(on: server) { _, _, _ in
            seen.withLock { $0 += 1 }
            return nil
        }
        defer { stager.cancel(); stagerConnection.close() }
        let connection = try await NATSConnection.connect(server.url)
        var client = StagingClient(connection: connection)
        client.resendAfterSilence = .milliseconds(100)
        await #expect(throws: NATSError.timedOut(subject: "staging", seconds: 1)) {
            _ = try await client.send(Array(#"{"app_id":"a"}"#.utf8), logSubject: nil, resendable: false, timeout: .seconds(1))
        }
        #expect(seen.withLock { $0 } == 1)
    }
}

extension StagingClient.PlainOutcome {
    var handOverReason: String? {
        if case .handOver(let why) = self { return why }
        return nil
    }
}
