import Foundation
import NATS
import PipetteCore
import Synchronization

/// The client side of the seed's protocol (`pipette stage`, `pipette push`, tests): sends a
/// staging request to a queue, hands each live log line to `onLine` as it comes, returns the reply.
///
/// Core NATS delivers at most once: a request or a reply passing through a NATS node as it dies
/// is lost. A request naming a `task_id` is therefore sent again whenever nothing has been heard
/// of it (no log line, no reply) for `resendAfterSilence`. Stagers recognise the task id
/// (``TaskRecords``): a resend of a running task waits for that task's result, one of a finished
/// task gets its recorded reply, and nothing stages twice. While no stager is subscribed at all
/// (one restarting, or reconnecting after its node was lost) it asks again for up to
/// `respondersGrace`, then says nobody listens.
public struct StagingClient: Sendable {
    public let connection: NATSConnection
    /// The stagers' queue (the seed's `staging`).
    public let queue: String
    /// How long nothing may be heard of a request before it is sent again.
    public var resendAfterSilence = Self.defaultResendAfterSilence
    public static let defaultResendAfterSilence: Duration = .seconds(30)
    /// How long to keep asking while no stager is subscribed.
    public var respondersGrace: Duration = .seconds(10)
    /// Called once, when a request first finds no stager subscribed (before waiting for one).
    public var onWaitingForStager: @Sendable () -> Void = {}

    public init(connection: NATSConnection, queue: String = Subjects.defaultStagingQueue) {
        self.connection = connection
        self.queue = queue
    }

    /// Stages `request`, giving it a task id and a log subject when it has none.
    public func stage(_ request: StagingRequest, timeout: Duration,
                      onLine: @escaping @Sendable (String) -> Void) async throws -> StagingReply {
        var request = request
        let taskID = request.taskID ?? UUID().uuidString.lowercased()
        request.taskID = taskID
        let subject = request.logSubject ?? Subjects.stagingLog(taskID: taskID)
        request.logSubject = subject
        // While the staging runs, the decoder is readied (its first use costs about 1 ms of type
        // lookups, which would otherwise come after the reply).
        let answer = try await send(Array(request.jsonText.utf8), logSubject: subject, resendable: true,
                                    timeout: timeout, onLine: onLine, whileWaiting: Self.readyDecoder)
        return try JSONDecoder().decode(StagingReply.self, from: Data(answer.payload))
    }

    /// Decodes a reply with every field once, so the decoding of the real one finds the types'
    /// metadata and conformances already looked up.
    static func readyDecoder() async {
        _ = try? JSONDecoder().decode(StagingReply.self, from: Data(Self.sampleReply.utf8))
    }

    static let sampleReply = #"{"task_id":"t","task_log":"","error":null,"detected_buildpack":"b","start_command":"s","# +
        #""stack":"s","cell_id":"c","droplet":{"sha256":"0","size":1,"blob_url":"u"},"durations_ms":{"stage":1}}"#

    /// Sends an encoded request and returns the raw reply. `resendable` only when it names a
    /// `task_id` (without one, a resend would stage it twice); `logSubject` is the one it names.
    /// Throws `NATSError.noResponders` or `.timedOut`. `whileWaiting` runs once the request is
    /// sent, beside the wait (the reply is returned once it is done too).
    public func send(_ payload: [UInt8], logSubject: String?, resendable: Bool, timeout: Duration,
                     onLine: @escaping @Sendable (String) -> Void = { _ in },
                     whileWaiting: (@Sendable () async -> Void)? = nil) async throws -> NATSMessage {
        let clock = ContinuousClock()
        let heard = LastHeard(clock.now)
        let logs = try logSubject.map { try connection.subscribe($0) }
        let inbox = connection.newInbox()
        let replies = try connection.subscribe(inbox, bufferSize: 16)
        defer { replies.unsubscribe() }
        // NATS handles one connection's protocol in order, and forwards interest to other nodes
        // before the messages that follow it: the request sent below cannot outrun these
        // subscriptions, so no flush (a round trip) is needed.
        async let printed: Void = {
            guard let logs else { return }
            for await line in logs {
                heard.now()
                onLine(line.string)
            }
        }()
        let ask = { @Sendable () throws(NATSError) in
            heard.now()
            try connection.publish(queue, payload, replyTo: inbox)
        }
        let deadline = clock.now + timeout
        do {
            try ask()
            let answer = try await withThrowingTaskGroup(of: NATSMessage?.self) { group in
                if let whileWaiting {
                    group.addTask {
                        await whileWaiting()
                        return nil
                    }
                }
                group.addTask {
                    var wait = RespondersWait(grace: respondersGrace)
                    for await message in replies {
                        guard message.isNoResponders, message.payload.isEmpty else { return message }
                        if wait.isFirst { onWaitingForStager() }
                        guard let pause = wait.next() else { throw NATSError.noResponders(subject: queue) }
                        try await Task.sleep(for: pause)
                        try ask()
                    }
                    return nil
                }
                group.addTask {
                    while true {
                        let wake = resendable ? min(heard.time + resendAfterSilence, deadline) : deadline
                        try await Task.sleep(until: wake)
                        if clock.now >= deadline {
                            throw NATSError.timedOut(subject: queue, seconds: Double(timeout.components.seconds))
                        }
                        if clock.now - heard.time >= resendAfterSilence { try ask() }
                    }
                }
                defer { group.cancelAll() }
                while let result = try await group.next() {
                    if let result { return result }
                }
                throw CancellationError()
            }
            // Every log line sent before the reply has been handed over already when the
            // connection delivers in order; otherwise the server is asked (a drain: a round trip).
            if connection.deliversInOrder { logs?.unsubscribe() } else { logs?.drain() }
            await printed
            return answer
        } catch {
            logs?.unsubscribe()
            await printed
            throw error
        }
    }
}

/// When something was last heard of a request (a log line, or the request itself sent).
private final class LastHeard: Sendable {
    private let value: Mutex<ContinuousClock.Instant>
    init(_ time: ContinuousClock.Instant) { value = Mutex(time) }
    var time: ContinuousClock.Instant { value.withLock { $0 } }
    func now() { value.withLock { $0 = .now } }
}
