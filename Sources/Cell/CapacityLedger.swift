import PipetteCore
import Synchronization

/// The cell's capacity and what is reserved from it, behind one lock, so a perform request
/// reserves a task's or an instance's resources or rejects it, and the cell is never over-committed.
/// Work is keyed by its id (task id, instance guid).
final class CapacityLedger: Sendable {
    private struct State {
        var reserved: [String: Work] = [:]
        var evacuating = false
    }

    let total: Resources
    private let state = Mutex(State())

    init(total: Resources) { self.total = total }

    /// Reserves what each piece of work needs, in order, while it fits; says why for the rest.
    func reserve(_ work: [Work], cellID: String, has: (String) -> Bool) -> PerformReply {
        state.withLock { s in
            var reply = PerformReply()
            for item in work {
                let need = item.need
                let free = total - s.reserved.values.map(\.need).reduce(.zero, +)
                let what = item.kind == .task ? "task" : "instance"
                let reason: String? =
                    if s.evacuating { "cell \(cellID) is evacuating" }
                    else if s.reserved[item.id] != nil { "\(what) \(item.id) is already on cell \(cellID)" }
                    else if !has(item.stack) { "cell \(cellID) does not have stack \(item.stack)" }
                    else if !free.fits(need) {
                        "cell \(cellID) has no room (needs \(need.memoryMB) MB memory, \(need.diskMB) MB disk, 1 container; "
                            + "free \(free.memoryMB) MB, \(free.diskMB) MB, \(free.containers))"
                    } else { nil }
                if let reason {
                    reply.rejected.append(.init(taskID: item.id, reason: reason))
                } else {
                    s.reserved[item.id] = item
                    reply.accepted.append(item.id)
                }
            }
            return reply
        }
    }

    func release(_ id: String) { _ = state.withLock { $0.reserved.removeValue(forKey: id) } }

    /// Stops taking work; returns false if it already was evacuating.
    func evacuate() -> Bool { state.withLock { s in defer { s.evacuating = true }; return !s.evacuating } }

    var isIdle: Bool { state.withLock { $0.reserved.isEmpty } }

    /// True while a staging task holds capacity.
    var hasTasks: Bool { state.withLock { $0.reserved.values.contains { $0.kind == .task } } }

    /// The heartbeat's resource fields (`tasks` counts staging tasks only).
    func snapshot() -> (available: Resources, tasks: Int, evacuating: Bool) {
        state.withLock { s in
            (total - s.reserved.values.map(\.need).reduce(.zero, +), s.reserved.values.count { $0.kind == .task }, s.evacuating)
        }
    }
}
