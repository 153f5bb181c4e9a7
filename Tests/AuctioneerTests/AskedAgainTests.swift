import Auctioneer
import Foundation
import NATS
import PipetteCore
import Synchronization
import Testing
import TestSupport

/// A stager that hears no answer to a placement asks again with the same task (the request or
/// its answer may have been lost with a NATS node): the Task is placed once, whatever it asks.
@Suite("Auctioneer: a placement asked for again", .serialized)
struct AskedAgainTests {
    @Test func aTaskAskedForAgainKeepsItsPlaceAndIsNeverPlacedTwice() async throws {
        let nats = try NATSServer()
        defer { nats.stop() }
        let auctioneer = await TestAuctioneer.start(AuctioneerConfig(natsURI: nats.url))

        // A cell with one container, taken; it accepts every offer and counts them.
        let (cell, performs, full) = try await WaitingTests.fullCell(on: nats)
        var state = full
        let offered = Offers()

        let client = try await NATSConnection.connect(nats.url)
        let request = Wire.encode(TaskPlacementRequest(task: BatchingTests.task("again"), waitSeconds: 60))
        let waits = try client.subscribe(BatchingTests.task("again").waitingSubject)
        let firstAsker = try client.subscribe("asker.first")
        let secondAsker = try client.subscribe("asker.second")
        let markerWaits = try client.subscribe(BatchingTests.task("behind").waitingSubject)
        try await client.flush()

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await message in performs {
                    guard let offer = try? Wire.decode(PerformRequest.self, from: message.payload) else { continue }
                    offered.add(offer.tasks.map(\.taskID))
                    try? cell.publish(message.replyTo ?? "", Wire.encode(PerformReply(accepted: offer.tasks.map(\.taskID))))
                }
            }
            // Asked once: it waits for room.
            try client.publish(Subjects.placeTask, request, replyTo: "asker.first")
            var notices = waits.makeAsyncIterator()
            _ = try #require(await notices.next(), "the task waits for room")
            // Asked again while it waits: no error, it keeps its place, and the newest asker is answered.
            try client.publish(Subjects.placeTask, request, replyTo: "asker.second")
            // Requests are taken in arrival order: once a task asked for after it is seen waiting,
            // the auctioneer has taken the second request (the room freed below must not be seen first).
            try client.publish(Subjects.placeTask, Wire.encode(TaskPlacementRequest(task: BatchingTests.task("behind"), waitSeconds: 60)),
                               replyTo: "asker.behind")
            var behind = markerWaits.makeAsyncIterator()
            _ = try #require(await behind.next(), "the task asked for after it waits too")
            state.available = state.total
            try cell.publish(Subjects.heartbeat, Wire.encode(state))
            var answers = secondAsker.makeAsyncIterator()
            let placed = try Wire.decode(TaskPlacementReply.self, from: try #require(await answers.next()).payload)
            #expect(placed.cellID == "c1" && placed.error == nil, "\(placed)")
            // An error for the earlier request would have been sent before this answer.
            firstAsker.unsubscribe()
            var early: [String] = []
            for await message in firstAsker { early.append(message.string) }
            #expect(early.isEmpty, "the earlier request is not answered with an error: \(early)")

            // Asked again once placed (its answer lost): the same cell, and no second offer. A new
            // placement would offer the Task to a cell before answering.
            let again = try await client.request(Subjects.placeTask, request, timeout: .seconds(10))
            let same = try Wire.decode(TaskPlacementReply.self, from: again.payload)
            #expect(same.cellID == "c1" && same.error == nil, "\(same)")
            #expect(offered.all == ["again"], "offered once: \(offered.all)")
            performs.unsubscribe()
            group.cancelAll()
        }
        waits.unsubscribe()
        markerWaits.unsubscribe()
        secondAsker.unsubscribe()
        client.close()
        cell.close()
        await auctioneer.stop()
    }
}

/// Task ids a stand-in cell was offered, in order.
private final class Offers: Sendable {
    private let list = Mutex<[String]>([])
    var all: [String] { list.withLock { $0 } }
    func add(_ ids: [String]) { list.withLock { $0 += ids } }
}
