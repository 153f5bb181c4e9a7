import Auctioneer
import Foundation
import Logging
import NATS
import PipetteCore
import Testing
import TestSupport

/// The auctioneer against a real nats-server, with a cell played by the test.
@Suite("Auctioneer batching", .serialized)
struct BatchingTests {
    static func task(_ id: String) -> TaskDefinition {
        TaskDefinition(taskID: id, appID: "app", stack: "tiny-amd64", memoryMB: 64, diskMB: 64, packageURL: "",
                       dropletUploadURL: "", buildpacks: [], timeoutSeconds: 5, eventsSubject: "pipette.task.\(id)")
    }

    @Test func requestsArrivingTogetherAreOfferedToACellInOnePerform() async throws {
        let nats = try NATSServer()
        defer { nats.stop() }
        let auctioneer = await TestAuctioneer.start(AuctioneerConfig(natsURI: nats.url, batchWindow: .seconds(1)))

        let cell = try await NATSConnection.connect(nats.url)
        let performs = try cell.subscribe(Subjects.perform(cell: "c1"))
        try await cell.flush()
        let state = CellState(id: "c1", zone: "z1", stacks: [.init(name: "tiny-amd64", arch: .amd64)],
                              total: Resources(memoryMB: 4096, diskMB: 4096, containers: 100))
        try cell.publish(Subjects.heartbeat, Wire.encode(state))
        try await cell.flush()
        try await Task.sleep(for: .milliseconds(200))

        let client = try await NATSConnection.connect(nats.url)
        // The cell accepts everything and records how many tasks each perform request carried.
        async let batches: [Int] = {
            var sizes: [Int] = []
            for await message in performs {
                guard let request = try? Wire.decode(PerformRequest.self, from: message.payload) else { continue }
                sizes.append(request.tasks.count)
                try? cell.publish(message.replyTo ?? "", Wire.encode(PerformReply(accepted: request.tasks.map(\.taskID))))
            }
            return sizes
        }()
        let replies = try await withThrowingTaskGroup(of: TaskPlacementReply.self) { requests in
            for index in 0..<20 {
                requests.addTask {
                    let answer = try await client.request(
                        Subjects.placeTask, Wire.encode(TaskPlacementRequest(task: Self.task("t\(index)"))), timeout: .seconds(10))
                    return try Wire.decode(TaskPlacementReply.self, from: answer.payload)
                }
            }
            return try await requests.reduce(into: []) { $0.append($1) }
        }
        performs.unsubscribe()
        #expect(replies.count == 20)
        #expect(replies.allSatisfy { $0.cellID == "c1" && $0.error == nil })
        #expect(await batches == [20], "all 20 arrived within the batch window: one auction, one perform")
        client.close()
        cell.close()
        await auctioneer.stop()
    }
}
