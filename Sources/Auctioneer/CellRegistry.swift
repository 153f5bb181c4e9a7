import PipetteCore
import Synchronization

/// The cells the auctioneer knows, from their heartbeats. Between heartbeats it keeps its own
/// account of what it placed, so one batch does not over-fill a cell the next one also picks.
final class CellRegistry: Sendable {
    private struct Entry {
        var state: CellState
        var lastSeen: ContinuousClock.Instant
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let missedHeartbeats: Int

    init(missedHeartbeats: Int) { self.missedHeartbeats = missedHeartbeats }

    /// Records a heartbeat; true when the cell is new. An evacuating cell that is not known (it
    /// said it left, and this is a heartbeat sent on its way out) is not taken back in.
    @discardableResult
    func update(_ state: CellState, at now: ContinuousClock.Instant = .now) -> Bool {
        entries.withLock { e in
            if state.evacuating, e[state.id] == nil { return false }
            defer { e[state.id] = Entry(state: state, lastSeen: now) }
            return e[state.id] == nil
        }
    }

    @discardableResult
    func remove(_ id: String) -> Bool { entries.withLock { $0.removeValue(forKey: id) != nil } }

    /// Every known cell, ordered by id.
    func snapshot() -> [CellState] {
        entries.withLock { $0.values.map(\.state) }.sorted { $0.id < $1.id }
    }

    /// Takes the placement's view of the cells it used (less available, more work).
    func apply(_ cells: [CellState]) {
        entries.withLock { e in
            for cell in cells where e[cell.id] != nil { e[cell.id]?.state = cell }
        }
    }

    /// Removes and returns the cells silent for `missedHeartbeats` of their intervals.
    func expire(at now: ContinuousClock.Instant = .now) -> [(id: String, silence: Duration)] {
        entries.withLock { e in
            let lost = e.values.filter { now - $0.lastSeen > .milliseconds($0.state.heartbeatIntervalMs * missedHeartbeats) }
            for entry in lost { e[entry.state.id] = nil }
            return lost.map { ($0.state.id, now - $0.lastSeen) }.sorted { $0.id < $1.id }
        }
    }
}
