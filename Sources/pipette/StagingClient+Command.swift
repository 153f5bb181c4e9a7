import NATS
import PipetteCore
import Stager

extension StagingClient {
    /// Stages for a command: "nobody listens" becomes what to start.
    static func stage(_ request: StagingRequest, on connection: NATSConnection, queue: String, timeout: Duration,
                      onLine: @escaping @Sendable (String) -> Void) async throws -> StagingReply {
        do {
            return try await StagingClient(connection: connection, queue: queue).stage(request, timeout: timeout, onLine: onLine)
        } catch NATSError.noResponders {
            throw CommandFailure("no stager is listening on queue \(queue); start one with `pipette stager` (or `foreman start`)")
        }
    }
}
