import Synchronization

/// The cells recent Tasks were placed on. A stager whose placement answer was lost (with a NATS
/// node) asks again with the same task id, and gets the same cell instead of a second placement.
/// Bounded: past `limit` the oldest are forgotten.
final class RecentPlacements: Sendable {
    private struct State {
        var cells: [String: String] = [:]
        /// Task ids, oldest first.
        var order: [String] = []
    }

    let limit: Int
    private let state = Mutex(State())

    init(limit: Int = 4096) { self.limit = limit }

    func record(_ taskID: String, on cellID: String) {
        state.withLock { state in
            if state.cells.updateValue(cellID, forKey: taskID) == nil { state.order.append(taskID) }
            if state.order.count > limit {
                let forgotten = state.order.count - limit
                for taskID in state.order.prefix(forgotten) { state.cells[taskID] = nil }
                state.order.removeFirst(forgotten)
            }
        }
    }

    /// The cell `taskID` was placed on, if it was placed recently.
    func cell(of taskID: String) -> String? { state.withLock { $0.cells[taskID] } }
}
