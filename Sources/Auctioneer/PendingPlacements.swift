import NATS
import Synchronization

/// Placement requests waiting for the next batch, bounded by `limit`, with a doorbell the
/// auction loop waits on.
final class PendingPlacements: Sendable {
    private let waiting = Mutex<[NATSMessage]>([])
    private let limit: Int
    let doorbell: AsyncStream<Void>
    private let ring: AsyncStream<Void>.Continuation

    init(limit: Int) {
        self.limit = limit
        (doorbell, ring) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Adds a request; false when `limit` are already waiting.
    func add(_ message: NATSMessage) -> Bool {
        let added = waiting.withLock { w in
            guard w.count < limit else { return false }
            w.append(message)
            return true
        }
        if added { ring.yield() }
        return added
    }

    func takeAll() -> [NATSMessage] { waiting.withLock { w in defer { w = [] }; return w } }

    func close() { ring.finish() }
}
