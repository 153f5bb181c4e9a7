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

    /// What a heartbeat changed.
    struct Update: Equatable {
        /// The cell was not known.
        var joined = false
        /// Its instances (or their states) or its evacuating flag differ from what was known.
        var instancesChanged = false
    }

    /// Records a heartbeat; true when the cell is new. An evacuating cell that is not known (it
    /// said it left, and this is a heartbeat sent on its way out) is not taken back in.
    @discardableResult
    func update(_ state: CellState, at now: ContinuousClock.Instant = .now) -> Bool {
        take(state, at: now).joined
    }

    /// Records a heartbeat like ``update(_:at:)`` and says what it changed. Reports read since
    /// that are newer than the heartbeat (it was made before their changes) are kept over it.
    func take(_ heartbeat: CellState, at now: ContinuousClock.Instant = .now) -> Update {
        entries.withLock { e in
            if heartbeat.evacuating, e[heartbeat.id] == nil { return Update() }
            var state = heartbeat
            defer { e[state.id] = Entry(state: state, lastSeen: now) }
            guard let known = e[state.id]?.state else { return Update(joined: true, instancesChanged: !state.lrps.isEmpty) }
            for report in known.lrps where report.modificationTag?.succeeds(heartbeat.modificationTag) == true {
                Self.put(report, in: &state.lrps)
            }
            return Update(instancesChanged: known.evacuating != state.evacuating || Self.differ(known.lrps, state.lrps))
        }
    }

    /// Replaces the report of the same instance in `reports`, or adds it.
    private static func put(_ report: InstanceReport, in reports: inout [InstanceReport]) {
        if let position = reports.firstIndex(where: { $0.instanceGUID == report.instanceGUID }) {
            reports[position] = report
        } else {
            reports.append(report)
        }
    }

    /// Whether two lists of reports differ in which instances they hold or their states, in any order.
    private static func differ(_ a: [InstanceReport], _ b: [InstanceReport]) -> Bool {
        guard a.count == b.count else { return true }
        if zip(a, b).allSatisfy({ $0.instanceGUID == $1.instanceGUID && $0.state == $1.state }) { return false }
        let states = Dictionary(a.map { ($0.instanceGUID, $0.state) }, uniquingKeysWith: { first, _ in first })
        return b.contains { states[$0.instanceGUID] != $0.state }
    }

    /// Takes a cell's report of one instance between heartbeats; true when it changed what was
    /// known (a report from an unknown cell is ignored: its heartbeat will bring it). A report
    /// older than what is known (the heartbeat or a report read before it was made after it) is
    /// ignored too.
    @discardableResult
    func record(_ report: InstanceReport) -> Bool {
        entries.withLock { e in
            guard var state = e[report.cellID]?.state else { return false }
            let known = state.lrps.first { $0.instanceGUID == report.instanceGUID }
            if let tag = report.modificationTag,
               tag.isReflected(in: state.modificationTag) || tag.isReflected(in: known?.modificationTag) {
                return false
            }
            guard known != report else { return false }
            Self.put(report, in: &state.lrps)
            e[report.cellID]?.state = state
            return true
        }
    }

    /// Drops instances the converger told `cellID` to stop or forget, until a heartbeat says otherwise.
    func drop(_ guids: Set<String>, on cellID: String) {
        entries.withLock { e in e[cellID]?.state.lrps.removeAll { guids.contains($0.instanceGUID) } }
    }

    @discardableResult
    func remove(_ id: String) -> Bool { entries.withLock { $0.removeValue(forKey: id) != nil } }

    /// Every known cell, ordered by id.
    func snapshot() -> [CellState] {
        entries.withLock { $0.values.map(\.state) }.sorted { $0.id < $1.id }
    }

    /// Takes the placement's view of the cells it used (less available, more work); what they
    /// report about their instances stays as the registry has it.
    func apply(_ cells: [CellState]) {
        entries.withLock { e in
            for cell in cells where e[cell.id] != nil {
                e[cell.id]?.state.available = cell.available
                e[cell.id]?.state.tasks = cell.tasks
                e[cell.id]?.state.instances = cell.instances
            }
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
