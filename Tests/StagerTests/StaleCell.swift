import Foundation
import NATS
import PipetteCore
import Synchronization

/// A cell as another auctioneer left it: its last heartbeat shows plenty of room, but it is full
/// and rejects every perform request. Speaks the cell protocol from outside Pipette's Cell module.
final class StaleCell: Sendable {
    /// Tasks offered to this cell so far.
    final class Count: Sendable {
        let value = Mutex(0)
    }

    let offers = Count()
    private let connection: NATSConnection
    private let beating: Task<Void, Never>
    private let answering: Task<Void, Never>

    init(nats: String, id: String) async throws {
        let connection = try await NATSConnection.connect(nats)
        self.connection = connection
        let state = CellState(id: id, zone: "z1", stacks: [.init(name: "tiny-amd64", arch: .amd64)],
                              total: Resources(memoryMB: 1_000_000, diskMB: 1_000_000, containers: 1000),
                              heartbeatIntervalMs: 1000)
        let performs = try connection.subscribe(Subjects.perform(cell: id))
        try await connection.flush()
        beating = Task {
            repeat {
                try? connection.publish(Subjects.heartbeat, Wire.encode(state))
            } while (try? await Task.sleep(for: .milliseconds(200))) != nil
        }
        let offers = self.offers
        answering = Task {
            for await message in performs {
                guard let request = try? Wire.decode(PerformRequest.self, from: message.payload),
                      let replyTo = message.replyTo else { continue }
                offers.value.withLock { $0 += request.tasks.count }
                let reply = PerformReply(rejected: request.tasks.map { .init(taskID: $0.taskID, reason: "cell \(id) is full") })
                try? connection.publish(replyTo, Wire.encode(reply))
            }
        }
    }

    func stop() {
        beating.cancel()
        answering.cancel()
        connection.close()
    }
}
