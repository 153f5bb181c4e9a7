import Foundation

/// One wildcard reply subscription (`<prefix>.*`) shared by all requests of a connection, as
/// the Go client does; replies are routed to waiters by the last token of their subject.
final class ResponseMux: @unchecked Sendable {
    private enum Slot {
        case pending
        case waiting(CheckedContinuation<NATSMessage, Error>)
        case arrived(NATSMessage)
    }

    let prefix: String
    private let lock = NSLock()
    private var slots: [String: Slot] = [:]
    private var counter = 0
    private var subscription: SubscriptionHandle?

    init(prefix: String) { self.prefix = prefix }

    /// Subscribes on first use; returns the prefix replies go to.
    func start(on connection: NATSConnection) throws(NATSError) -> String {
        lock.lock()
        defer { lock.unlock() }
        if subscription == nil {
            subscription = try connection.subscribeRaw(prefix + ".*", deliver: { [weak self] in self?.route($0) },
                                                       finish: { [weak self] in self?.failAll() })
        }
        return prefix
    }

    /// A new token, registered before the request is published so no reply can be missed.
    func register() -> String {
        lock.withLock {
            counter += 1
            let token = String(counter, radix: 36)
            slots[token] = .pending
            return token
        }
    }

    func wait(_ token: String) async throws -> NATSMessage {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let ready: Result<NATSMessage, Error>? = lock.withLock {
                    switch slots[token] {
                    case .arrived(let message):
                        slots[token] = nil
                        return .success(message)
                    case .pending:
                        slots[token] = .waiting(continuation)
                        return nil
                    case .waiting, nil:
                        return .failure(CancellationError())
                    }
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            cancel(token)
        }
    }

    func cancel(_ token: String) {
        let slot = lock.withLock { slots.removeValue(forKey: token) }
        if case .waiting(let continuation) = slot { continuation.resume(throwing: CancellationError()) }
    }

    private func route(_ message: NATSMessage) {
        guard let token = message.subject.split(separator: ".").last.map(String.init) else { return }
        let waiter: CheckedContinuation<NATSMessage, Error>? = lock.withLock {
            switch slots[token] {
            case .pending:
                slots[token] = .arrived(message)
                return nil
            case .waiting(let continuation):
                slots[token] = nil
                return continuation
            default:
                return nil  // late or duplicate reply: its request is gone
            }
        }
        waiter?.resume(returning: message)
    }

    private func failAll() {
        let waiting = lock.withLock {
            defer { slots.removeAll() }
            return slots.values
        }
        for case .waiting(let continuation) in waiting { continuation.resume(throwing: NATSError.closed) }
    }
}
