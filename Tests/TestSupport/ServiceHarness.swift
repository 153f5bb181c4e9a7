import Logging
import ServiceLifecycle
import Synchronization

/// Runs services for a test in a `ServiceGroup`; `stop()` shuts them down gracefully and waits.
public final class ServiceHarness: Sendable {
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    public init(_ services: [any Service], label: String = "test") {
        let logger = Logger(label: label)
        group = ServiceGroup(services: services, gracefulShutdownSignals: [], logger: logger)
        task = Task { [group] in try await group.run() }
    }

    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
    }

    /// Cancels the services without a graceful shutdown (as close to SIGKILL as a test in one
    /// process gets: nothing is handed over) and waits for them to end.
    public func cancel() async {
        task.cancel()
        _ = await task.result
    }
}

/// A value a service reports once (a bound port, "ready"), awaited by the test.
public final class Reported<Value: Sendable>: Sendable {
    private let state = Mutex<(value: Value?, waiters: [CheckedContinuation<Value, Never>])>((nil, []))

    public init() {}

    public func set(_ value: Value) {
        let waiters = state.withLock { s in
            s.value = value
            defer { s.waiters = [] }
            return s.waiters
        }
        waiters.forEach { $0.resume(returning: value) }
    }

    public var value: Value {
        get async {
            await withCheckedContinuation { continuation in
                let ready: Value? = state.withLock { s in
                    if let value = s.value { return value }
                    s.waiters.append(continuation)
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }
}
