import Foundation
import NATS
import PipetteCore

/// The client side of the seed's protocol, for `pipette stage` and `pipette push`: sends a staging
/// request to a queue, hands each live log line to `onLine` as it comes, and returns the reply.
enum StagingClient {
    static func stage(_ request: StagingRequest, on connection: NATSConnection, queue: String, timeout: Duration,
                      onLine: @escaping @Sendable (String) -> Void) async throws -> StagingReply {
        var request = request
        let taskID = request.taskID ?? UUID().uuidString.lowercased()
        request.taskID = taskID
        let subject = request.logSubject ?? "staging.\(taskID).logs"
        request.logSubject = subject
        let logs = try connection.subscribe(subject)
        try await connection.flush()
        async let printed: Void = { for await line in logs { onLine(line.string) } }()
        let answer: NATSMessage
        do {
            answer = try await connection.request(queue, JSONEncoder().encode(request), timeout: timeout)
        } catch {
            logs.unsubscribe()
            await printed
            if case .noResponders = error as? NATSError {
                throw CommandFailure("no stager is listening on queue \(queue); start one with `pipette stager` (or `foreman start`)")
            }
            throw error
        }
        logs.drain()
        await printed
        return try JSONDecoder().decode(StagingReply.self, from: Data(answer.payload))
    }
}
