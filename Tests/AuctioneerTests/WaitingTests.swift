import Auctioneer
import Foundation
import Logging
import NATS
import PipetteCore
import Testing
import TestSupport

/// Tasks waiting in the auctioneer for a cell with room: the queue is bounded, a cancelled Task
/// leaves it, and a freed container places the oldest first.
@Suite("Auctioneer waiting queue", .serialized)
struct WaitingTests {
    /// A stand-in cell `c1` with one container, taken: its heartbeat sent, its offers subscribed.
    static func fullCell(on nats: NATSServer) async throws -> (NATSConnection, NATSSubscription, CellState) {
        let cell = try await NATSConnection.connect(nats.url)
        let performs = try cell.subscribe(Subjects.perform(cell: "c1"))
        var state = CellState(id: "c1", zone: "z1", stacks: [.init(name: "tiny-amd64", arch: .amd64)],
                              total: Resources(memoryMB: 4096, diskMB: 4096, containers: 1), heartbeatIntervalMs: 60_000)
        state.available = Resources(memoryMB: 4096, diskMB: 4096, containers: 0)
        try cell.publish(Subjects.heartbeat, Wire.encode(state))
        try await cell.flush()
        return (cell, performs, state)
    }

    @Test func theQueueIsBoundedCancelledTasksLeaveAndFreedRoomGoesToTheOldest() async throws {
        let nats = try NATSServer()
        defer { nats.stop() }
        var config = AuctioneerConfig(natsURI: nats.url)
        config.maxWaiting = 2
        let auctioneer = await TestAuctioneer.start(config)

        // A cell with one container, taken.
        let (cell, performs, full) = try await WaitingTests.fullCell(on: nats)
        var state = full

        let client = try await NATSConnection.connect(nats.url)
        func place(_ id: String) async throws -> TaskPlacementReply {
            let answer = try await client.request(
                Subjects.placeTask, Wire.encode(TaskPlacementRequest(task: BatchingTests.task(id), waitSeconds: 60)),
                timeout: .seconds(30))
            return try Wire.decode(TaskPlacementReply.self, from: answer.payload)
        }
        // Each request is sent once the one before it is seen waiting, so their order is known.
        let waits = try client.subscribe([BatchingTests.task("w1").waitingSubject, BatchingTests.task("w2").waitingSubject])
        try await client.flush()
        var notices = waits.makeAsyncIterator()
        async let first = place("w1")
        let w1 = try Wire.decode(PlacementWait.self, from: try #require(await notices.next()).payload)
        #expect(w1.ahead == 0 && w1.reason.hasPrefix("insufficient resources"), "\(w1)")
        async let second = place("w2")
        let w2 = try Wire.decode(PlacementWait.self, from: try #require(await notices.next()).payload)
        #expect(w2.ahead == 1, "w2 waits behind w1")
        let third = try await place("w3")
        #expect(third.error?.hasPrefix("auctioneer busy: 2 tasks already wait for a cell with room") == true, "\(third)")

        try client.publish(Subjects.cancelPlacement, Wire.encode(TaskCancel(taskID: "w2")))
        let cancelled = try await second
        #expect(cancelled.error == "placement of task w2 was cancelled")

        // The container frees up: the oldest waiting Task gets it.
        async let offered: [String] = {
            for await message in performs {
                guard let request = try? Wire.decode(PerformRequest.self, from: message.payload) else { continue }
                try? cell.publish(message.replyTo ?? "", Wire.encode(PerformReply(accepted: request.tasks.map(\.taskID))))
                return request.tasks.map(\.taskID)
            }
            return []
        }()
        state.available = state.total
        try cell.publish(Subjects.heartbeat, Wire.encode(state))
        let placed = try await first
        #expect(placed.cellID == "c1", "\(placed)")
        #expect(await offered == ["w1"])
        performs.unsubscribe()
        waits.unsubscribe()
        client.close()
        cell.close()
        await auctioneer.stop()
    }

    /// A full cell heartbeating every 5 ms makes the auctioneer try the waiting Task again many
    /// times a second, so one of those tries comes after its time ran out and before the sweep
    /// (every 100 ms) expires it: it must still be told how long it waited, not the bare reason.
    @Test func aTaskWhoseWaitRunsOutAsItIsTriedAgainIsToldItWaited() async throws {
        let nats = try NATSServer()
        defer { nats.stop() }
        let auctioneer = await TestAuctioneer.start(AuctioneerConfig(natsURI: nats.url))
        let cell = try await NATSConnection.connect(nats.url)
        var state = CellState(id: "busy", zone: "z1", stacks: [.init(name: "tiny-amd64", arch: .amd64)],
                              total: Resources(memoryMB: 4096, diskMB: 4096, containers: 1), heartbeatIntervalMs: 1000)
        state.available = Resources(memoryMB: 4096, diskMB: 4096, containers: 0)
        let beating = Task { [state] in
            repeat { try? cell.publish(Subjects.heartbeat, Wire.encode(state)) } while (try? await Task.sleep(for: .milliseconds(5))) != nil
        }
        defer { beating.cancel() }
        let client = try await NATSConnection.connect(nats.url)
        for round in 1...3 {
            let answer = try await client.request(
                Subjects.placeTask, Wire.encode(TaskPlacementRequest(task: BatchingTests.task("late-\(round)"), waitSeconds: 1)),
                timeout: .seconds(30))
            let reply = try Wire.decode(TaskPlacementReply.self, from: answer.payload)
            #expect(reply.error?.hasPrefix("Waited 1 seconds for a cell with room for stack tiny-amd64 and none freed up "
                                           + "(insufficient resources") == true, "round \(round): \(reply)")
        }
        beating.cancel()
        client.close()
        cell.close()
        await auctioneer.stop()
    }
}
