import NATS
import PipetteCore

/// Offers work to cells over request/reply on `Subjects.perform(cell:)`, every cell at once: the
/// path the task auction and the converger share.
struct CellPerformer: Sendable {
    /// One cell's answer, or why there was none.
    struct Outcome: Sendable {
        let cellID: String
        let reply: PerformReply?
        /// Set when the cell did not answer (or answered something unreadable): it may still have
        /// taken the work.
        let failure: String?

        /// The reply, or every id in `ids` rejected with the failure.
        func reply(rejectingAll ids: [String]) -> PerformReply {
            reply ?? PerformReply(rejected: ids.map { .init(taskID: $0, reason: failure ?? "no answer") })
        }
    }

    let nats: NATSConnection
    let timeout: Duration

    func perform(_ requests: [String: PerformRequest]) async -> [Outcome] {
        await withTaskGroup(of: Outcome.self) { group in
            for (cellID, request) in requests {
                group.addTask {
                    do {
                        let answer = try await nats.request(Subjects.perform(cell: cellID), Wire.encode(request), timeout: timeout)
                        return Outcome(cellID: cellID, reply: try Wire.decode(PerformReply.self, from: answer.payload), failure: nil)
                    } catch {
                        return Outcome(cellID: cellID, reply: nil, failure: "cell \(cellID) did not answer (\(error))")
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
    }
}
