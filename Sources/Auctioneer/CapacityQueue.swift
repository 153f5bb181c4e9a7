import NATS
import Synchronization
import PipetteCore

/// Placement requests the auctioneer holds: Tasks that could fit once a cell frees room, kept in
/// arrival order until placed, cancelled or out of time. Only the auction loop touches it.
struct CapacityQueue: Sendable {
    struct Entry: Sendable {
        let task: TaskDefinition
        /// The request to answer: the newest, when the stager asked again.
        var message: NATSMessage
        var excluded: Set<String>
        /// When waiting must end (nil: the request did not ask to wait).
        let deadline: ContinuousClock.Instant?
        let arrived: ContinuousClock.Instant
        /// Arrival order (ties within one batch keep the order the requests came in).
        let sequence: Int
        /// The error of the last try, for the log line and the final answer.
        var reason: String = ""
        /// The position last announced on the Task's waiting subject.
        var announced: Int?
        /// Why cells turned it down, for the final answer.
        var rejections: [String] = []
    }

    private(set) var entries: [Entry] = []

    var isEmpty: Bool { entries.isEmpty }

    private var nextSequence = 0

    /// A sequence number for the next arrival.
    mutating func ticket() -> Int {
        defer { nextSequence += 1 }
        return nextSequence
    }

    /// Puts entries (back) in, keeping arrival order.
    mutating func insert(_ new: [Entry]) {
        entries = (entries + new).sorted { $0.sequence < $1.sequence }
    }

    /// Takes every entry out, oldest first (to be placed, or put back with ``append(_:)``).
    mutating func takeAll() -> [Entry] {
        defer { entries = [] }
        return entries
    }

    mutating func remove(taskID: String) -> Entry? {
        guard let index = entries.firstIndex(where: { $0.task.taskID == taskID }) else { return nil }
        return entries.remove(at: index)
    }

    /// Removes and returns the entries whose time to wait is up.
    mutating func expire(at now: ContinuousClock.Instant) -> [Entry] {
        let (gone, kept) = entries.reduce(into: ([Entry](), [Entry]())) { result, entry in
            if let deadline = entry.deadline, deadline <= now { result.0.append(entry) } else { result.1.append(entry) }
        }
        entries = kept
        return gone
    }

    /// For each entry whose position changed since it was last told: the entry and how many of the
    /// same stack are ahead of it. Marks them as told.
    mutating func positionChanges() -> [(Entry, Int)] {
        var ahead: [String: Int] = [:]
        var changes: [(Entry, Int)] = []
        for index in entries.indices {
            let stack = entries[index].task.stack
            let position = ahead[stack, default: 0]
            ahead[stack] = position + 1
            if entries[index].announced != position {
                entries[index].announced = position
                changes.append((entries[index], position))
            }
        }
        return changes
    }
}

/// The auctioneer's ``CapacityQueue``, shared by its auction loop, its sweep and its cancel handler.
final class WaitingTasks: Sendable {
    private let queue = Mutex(CapacityQueue())

    func withLock<T: Sendable>(_ body: (inout CapacityQueue) -> T) -> T {
        queue.withLock { body(&$0) }
    }

    var isEmpty: Bool { withLock { $0.isEmpty } }
}
