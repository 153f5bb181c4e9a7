import Foundation

/// Runs a blocking C call on its own thread and awaits it, so libnats' blocking connect and
/// flush never occupy a thread of Swift's cooperative pool.
enum Blocking {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws(NATSError) -> T) async throws(NATSError) -> T {
        let result: Result<T, NATSError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                do throws(NATSError) { continuation.resume(returning: .success(try body())) }
                catch { continuation.resume(returning: .failure(error)) }
            }
            thread.name = "pipette.nats.blocking"
            thread.start()
        }
        return try result.get()
    }
}
