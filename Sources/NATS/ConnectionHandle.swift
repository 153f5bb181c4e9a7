import CNATS
import Foundation
import Synchronization

/// Owns the `natsConnection` pointer, and destroys the connection's unsubscribed subscriptions
/// only once libnats' reader thread can no longer be touching them.
///
/// libnats 3.4 (Debian bookworm's) looks an incoming message's subscription up, lets go of the
/// connection's lock, and only then locks the subscription, holding no reference to it (nats.c
/// issue 637, fixed in 3.6): a subscription unsubscribed and destroyed in that window is freed
/// memory, its mutex fails to lock, and libnats aborts the process. A stager answering 500 quick
/// requests did, within a few thousand. The barrier is a flush: the server answers its PING after
/// every message it sent before it handled the UNSUB, and the reader handles them in order. So a
/// retired subscription is destroyed after the next flush that started after it was retired,
/// made on a thread of this handle's own (never a caller's: a flush blocks); what is left when the
/// connection closes is destroyed after the close.
final class ConnectionHandle: @unchecked Sendable {
    let pointer: OpaquePointer

    private struct Reaping {
        /// Unsubscribed, not yet destroyed, oldest first (addresses of `natsSubscription`s).
        var retired: [UInt] = []
        var running = false
    }

    private let reaping = Mutex(Reaping())

    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    var address: Int { Int(bitPattern: pointer) }

    /// Unsubscribes `subscription` now and destroys it once that is safe.
    func retire(_ subscription: OpaquePointer) {
        natsSubscription_Unsubscribe(subscription)
        let start = reaping.withLock { state in
            state.retired.append(UInt(bitPattern: Int(bitPattern: subscription)))
            defer { state.running = true }
            return !state.running
        }
        guard start else { return }
        // Holds this handle until the retired list is empty or the connection is closed; on a
        // parked blocking thread when there is one (a thread started for each batch cost a clone).
        BlockingThreads.shared.run { [self] in reap() }
    }

    /// Subscriptions unsubscribed and not yet destroyed.
    var retiredCount: Int { reaping.withLock { $0.retired.count } }

    private func reap() {
        while true {
            let batch = reaping.withLock { state -> Int in
                if state.retired.isEmpty { state.running = false }
                return state.retired.count
            }
            guard batch > 0 else { return }
            if natsConnection_FlushTimeout(pointer, 5_000) == NATS_OK {
                let done = reaping.withLock { state in
                    defer { state.retired.removeFirst(batch) }
                    return Array(state.retired.prefix(batch))
                }
                for subscription in done { natsSubscription_Destroy(OpaquePointer(bitPattern: subscription)) }
            } else if natsConnection_IsClosed(pointer) {
                reaping.withLock { $0.running = false }  // the rest is destroyed after the close
                return
            } else {
                Thread.sleep(forTimeInterval: 0.5)  // reconnecting: the barrier waits for the server
            }
        }
    }

    deinit {
        natsConnection_Close(pointer)
        for subscription in reaping.withLock({ $0.retired }) {
            natsSubscription_Destroy(OpaquePointer(bitPattern: subscription))
        }
        natsConnection_Destroy(pointer)
    }
}
