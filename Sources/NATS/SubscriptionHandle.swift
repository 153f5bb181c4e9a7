import CNATS
import Foundation

/// Owns a `natsSubscription` and the context its C callbacks reach: `deliver` for each message
/// (on libnats' thread) and `finish` once, when libnats reports the subscription complete; the
/// context is released then.
final class SubscriptionHandle: @unchecked Sendable {
    final class Context: Sendable {
        let deliver: @Sendable (NATSMessage) -> Void
        let finish: @Sendable () -> Void

        init(deliver: @escaping @Sendable (NATSMessage) -> Void, finish: @escaping @Sendable () -> Void) {
            self.deliver = deliver
            self.finish = finish
        }
    }

    private let pointer: OpaquePointer
    private let lock = NSLock()
    /// The connection's handle, kept alive as long as this subscription (for its status).
    private let connection: ConnectionHandle

    init(connection handle: ConnectionHandle, subject: String, queue: String?,
         deliver: @escaping @Sendable (NATSMessage) -> Void, finish: @escaping @Sendable () -> Void) throws(NATSError) {
        let connection = handle.pointer
        self.connection = handle
        let context = Unmanaged.passRetained(Context(deliver: deliver, finish: finish)).toOpaque()
        var sub: OpaquePointer?
        let status = if let queue {
            natsConnection_QueueSubscribe(&sub, connection, subject, queue, onMessage, context)
        } else {
            natsConnection_Subscribe(&sub, connection, subject, onMessage, context)
        }
        guard status == NATS_OK, let sub else {
            Unmanaged<Context>.fromOpaque(context).release()
            finish()
            throw .operationFailed(operation: "subscribe to \(subject)", reason: statusText(status))
        }
        natsSubscription_SetOnCompleteCB(sub, onComplete, context)
        pointer = sub
    }

    func unsubscribe() { lock.withLock { _ = natsSubscription_Unsubscribe(pointer) } }
    /// Drains when connected; while the connection is down nothing more can arrive, and libnats
    /// would wait out its 30 s drain timeout, so it unsubscribes instead.
    func drain() {
        lock.withLock {
            if natsConnection_Status(connection.pointer) == NATS_CONN_STATUS_CONNECTED {
                _ = natsSubscription_Drain(pointer)
            } else {
                _ = natsSubscription_Unsubscribe(pointer)
            }
        }
    }

    /// Destroyed only after libnats' reader is done with it (``ConnectionHandle/retire(_:)``).
    deinit { connection.retire(pointer) }
}

private let onMessage: natsMsgHandler = { _, _, msg, closure in
    guard let msg, let closure else { return }
    let context = Unmanaged<SubscriptionHandle.Context>.fromOpaque(closure).takeUnretainedValue()
    let message = NATSMessage(copying: msg)
    natsMsg_Destroy(msg)
    context.deliver(message)
}

private let onComplete: natsOnCompleteCB = { closure in
    guard let closure else { return }
    Unmanaged<SubscriptionHandle.Context>.fromOpaque(closure).takeRetainedValue().finish()
}
