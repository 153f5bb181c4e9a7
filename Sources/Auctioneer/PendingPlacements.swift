import NATS
import Synchronization

/// Placement requests waiting for the next batch, bounded by `limit`, with a doorbell the
/// auction loop waits on.
final class PendingPlacements: Sendable {
    private let waiting = Mutex<[NATSMessage]>([])
    private let limit: Int
    let doorbell: AsyncStream<Void>
    private let bell: AsyncStream<Void>.Continuation

    init(limit: Int) {
        self.limit = limit
        (doorbell, bell) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Adds a request; false when `limit` are already waiting.
    func add(_ message: NATSMessage) -> Bool {
        let added = waiting.withLock { w in
            guard w.count < limit else { return false }
            w.append(message)
            return true
        }
        if added { bell.yield() }
        return added
    }

    /// Wakes the auction loop without a new request (capacity may have freed up).
    func ring() { bell.yield() }

    func takeAll() -> [NATSMessage] { waiting.withLock { w in defer { w = [] }; return w } }

    func close() { bell.finish() }
}
