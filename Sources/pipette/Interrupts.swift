import Foundation
import Synchronization

/// Runs `body` in a task that SIGINT/SIGTERM cancel, so containers are killed and deleted
/// instead of left behind when the user presses Ctrl-C.
enum Interrupts {
    /// Whether SIGINT or SIGTERM arrived (the work was cancelled on purpose).
    static let received = Atomic<Bool>(false)

    static func cancelling<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        // Ignored before the work starts: a signal in between is lost rather than killing the
        // process past its cleanup.
        for number in [SIGINT, SIGTERM] { signal(number, SIG_IGN) }
        let task = Task { try await body() }
        let sources = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                received.store(true, ordering: .relaxed)
                task.cancel()
            }
            source.resume()
            return source
        }
        defer { sources.forEach { $0.cancel() } }
        return try await task.value
    }
}
