import PipetteCore
import Synchronization

/// Instances the converger offered to cells and no cell has reported yet, each with the cell and
/// when it was offered. One stays in flight until a cell reports its guid or `timeout` passes (a
/// cell that took it and said nothing, or never got the offer), so nothing is started twice, even
/// when an answer or a heartbeat is lost to a nats-server restart.
final class InFlightStarts: Sendable {
    struct Entry: Sendable {
        let start: InFlightStart
        let cellID: String
        let offered: ContinuousClock.Instant
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let timeout: Duration

    init(timeout: Duration) { self.timeout = timeout }

    func add(_ start: InFlightStart, on cellID: String, at now: ContinuousClock.Instant = .now) {
        entries.withLock { $0[start.instanceGUID] = Entry(start: start, cellID: cellID, offered: now) }
    }

    /// Drops the entries a cell reports now and those out of time; returns what is left.
    func settle(reported: (String) -> Bool, at now: ContinuousClock.Instant = .now) -> [InFlightStart] {
        entries.withLock { e in
            e = e.filter { !reported($0.key) && now - $0.value.offered < timeout }
            return e.values.map(\.start)
        }
    }

    var count: Int { entries.withLock { $0.count } }
}
