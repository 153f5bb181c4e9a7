@testable import Auctioneer
import NATS
import PipetteCore
import Testing

@Suite("Capacity queue")
struct CapacityQueueTests {
    static func entry(_ id: String, stack: String, sequence: Int, deadline: ContinuousClock.Instant? = nil) -> CapacityQueue.Entry {
        let task = TaskDefinition(taskID: id, appID: "a", stack: stack, memoryMB: 1, diskMB: 1, packageURL: "http://p",
                                  dropletUploadURL: "http://d", buildpacks: [], timeoutSeconds: 60, eventsSubject: "e.\(id)")
        return CapacityQueue.Entry(task: task, message: NATSMessage(subject: "s", replyTo: nil, payload: []), excluded: [],
                                   deadline: deadline, arrived: .now, sequence: sequence)
    }

    @Test func positionsCountTasksAheadForTheSameStackAndAreToldOnceEach() {
        var queue = CapacityQueue()
        queue.insert([Self.entry("c", stack: "amd", sequence: 2), Self.entry("a", stack: "amd", sequence: 0),
                      Self.entry("b", stack: "arm", sequence: 1)])
        #expect(queue.entries.map(\.task.taskID) == ["a", "b", "c"], "arrival order")
        let told = queue.positionChanges().map { ($0.0.task.taskID, $0.1) }
        #expect(told.map(\.0) == ["a", "b", "c"] && told.map(\.1) == [0, 0, 1])
        #expect(queue.positionChanges().isEmpty, "nothing changed, nothing told")
        _ = queue.remove(taskID: "a")
        #expect(queue.positionChanges().map { ($0.0.task.taskID, $0.1) }.map(\.0) == ["c"], "c moved up")
    }

    @Test func expiredEntriesLeave() {
        var queue = CapacityQueue()
        let now = ContinuousClock.now
        queue.insert([Self.entry("old", stack: "amd", sequence: 0, deadline: now - .seconds(1)),
                      Self.entry("new", stack: "amd", sequence: 1, deadline: now + .seconds(60))])
        #expect(queue.expire(at: now).map(\.task.taskID) == ["old"])
        #expect(queue.entries.map(\.task.taskID) == ["new"])
    }

    @Test func aLeavingCellIsNotTakenBackByItsLastHeartbeat() {
        let registry = CellRegistry(missedHeartbeats: 3)
        var state = CellState(id: "c1", zone: "z", stacks: [.init(name: "tiny-amd64", arch: .amd64)],
                              total: Resources(memoryMB: 1, diskMB: 1, containers: 1), heartbeatIntervalMs: 1000)
        #expect(registry.update(state))
        state.evacuating = true
        registry.update(state)
        #expect(registry.snapshot().first?.evacuating == true, "a known cell is seen evacuating")
        registry.remove("c1")
        #expect(!registry.update(state), "its heartbeat sent on the way out does not bring it back")
        #expect(registry.snapshot().isEmpty)
        state.evacuating = false
        #expect(registry.update(state), "started again, it joins again")
    }
}
