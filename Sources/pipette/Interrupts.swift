import Foundation
import Synchronization

/// Runs `body` in a task that SIGINT/SIGTERM cancel, so containers are killed and deleted
/// instead of left behind when the user presses Ctrl-C.
enum Interrupts {
    /// Whether SIGINT or SIGTERM arrived (the work was cancelled on purpose).
    static let received = Atomic<Bool>(false)

    static func cancelling<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        // The work starts only once both sources are registered: until then a signal could still
        // take its default action and end the process past its cleanup (seen: a SIGTERM right
        // after `pipette build` began left its workspace).
        for number in [SIGINT, SIGTERM] { signal(number, SIG_IGN) }
        let work = Mutex<Task<T, any Error>?>(nil)
        let registered = DispatchSemaphore(value: 0)
        let sources = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                received.store(true, ordering: .relaxed)
                work.withLock { $0 }?.cancel()
            }
            source.setRegistrationHandler { registered.signal() }
            source.resume()
            return source
        }
        defer { sources.forEach { $0.cancel() } }
        for _ in sources { registered.wait() }
        let task = Task { try await body() }
        work.withLock { $0 = task }
        if received.load(ordering: .relaxed) { task.cancel() }
        return try await task.value
    }
}
