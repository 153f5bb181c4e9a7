import PipetteCore
import Synchronization

/// The cell's capacity and what is reserved from it, behind one lock, so a perform request
/// reserves a task's resources or rejects it, and the cell is never over-committed.
final class CapacityLedger: Sendable {
    private struct State {
        var reserved: [String: Resources] = [:]
        var evacuating = false
    }

    let total: Resources
    private let state = Mutex(State())

    init(total: Resources) { self.total = total }

    /// Reserves what each task needs, in order, while it fits; says why for the rest.
    func reserve(_ tasks: [TaskDefinition], cellID: String, has: (String) -> Bool) -> PerformReply {
        state.withLock { s in
            var reply = PerformReply()
            for task in tasks {
                let need = task.work.need
                let free = total - s.reserved.values.reduce(.zero, +)
                let reason: String? =
                    if s.evacuating { "cell \(cellID) is evacuating" }
                    else if s.reserved[task.taskID] != nil { "task \(task.taskID) is already on cell \(cellID)" }
                    else if !has(task.stack) { "cell \(cellID) does not have stack \(task.stack)" }
                    else if !free.fits(need) {
                        "cell \(cellID) has no room (needs \(need.memoryMB) MB memory, \(need.diskMB) MB disk, 1 container; "
                            + "free \(free.memoryMB) MB, \(free.diskMB) MB, \(free.containers))"
                    } else { nil }
                if let reason {
                    reply.rejected.append(.init(taskID: task.taskID, reason: reason))
                } else {
                    s.reserved[task.taskID] = need
                    reply.accepted.append(task.taskID)
                }
            }
            return reply
        }
    }

    func release(_ taskID: String) { _ = state.withLock { $0.reserved.removeValue(forKey: taskID) } }

    /// Stops taking work; returns false if it already was evacuating.
    func evacuate() -> Bool { state.withLock { s in defer { s.evacuating = true }; return !s.evacuating } }

    var isIdle: Bool { state.withLock { $0.reserved.isEmpty } }

    /// The heartbeat's resource fields.
    func snapshot() -> (available: Resources, tasks: Int, evacuating: Bool) {
        state.withLock { s in (total - s.reserved.values.reduce(.zero, +), s.reserved.count, s.evacuating) }
    }
}
