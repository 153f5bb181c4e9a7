import NATS
import PipetteCore
import Stager

extension StagingClient {
    /// Stages for a command: waiting for a stager is said, and "nobody listens" becomes what to start.
    static func stage(_ request: StagingRequest, on connection: NATSConnection, queue: String, timeout: Duration,
                      onLine: @escaping @Sendable (String) -> Void) async throws -> StagingReply {
        do {
            var client = StagingClient(connection: connection, queue: queue)
            let grace = client.respondersGrace.components.seconds
            client.onWaitingForStager = {
                Output.status("==> no stager is listening on queue \(queue) yet; waiting up to \(grace) s for one")
            }
            return try await client.stage(request, timeout: timeout, onLine: onLine)
        } catch NATSError.noResponders {
            throw CommandFailure("no stager is listening on queue \(queue); start one with `pipette stager` (or `foreman start`)")
        }
    }
}
