import Foundation
import NATS
import PipetteCore

extension StagingClient {
    /// What ``stagePlainly(_:url:queue:timeout:onLine:)`` ended with.
    public enum PlainOutcome: Sendable {
        case reply(StagingReply)
        /// Not finished over the plain socket (why, for a log line or a test): stage the same
        /// request with ``stage(_:timeout:onLine:)`` over a ``NATSConnection``.
        case handOver(String)
    }

    /// Stages `request` over a plain socket (``PlainNATSRequest``: no libnats, for a one-shot
    /// command) when it can. The request must name its task id: a hand-over after it was sent is
    /// followed by the same request over libnats, which a stager that has it already answers with
    /// that task's result (``TaskRecords``), so nothing stages twice.
    public static func stagePlainly(_ request: StagingRequest, url: String, queue: String = Subjects.defaultStagingQueue,
                                    timeout: Duration, onLine: @escaping @Sendable (String) -> Void) async throws -> PlainOutcome {
        guard let taskID = request.taskID else { return .handOver("the request names no task id") }
        var request = request
        request.logSubject = request.logSubject ?? Subjects.stagingLog(taskID: taskID)
        async let ready: Void = readyDecoder()
        let outcome = try await PlainNATSRequest.send(Array(request.jsonText.utf8), to: queue, url: url, following: request.logSubject,
                                                      timeout: timeout, silence: defaultResendAfterSilence) { onLine($0.string) }
        await ready
        switch outcome {
        case .reply(let message): return .reply(try JSONDecoder().decode(StagingReply.self, from: Data(message.payload)))
        case .handOver(let why): return .handOver(why)
        }
    }
}
