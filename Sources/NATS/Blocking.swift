import Foundation

/// Runs a blocking C call on a thread of its own (see ``BlockingThreads``) and awaits it, so
/// libnats' blocking connect and flush never occupy a thread of Swift's cooperative pool.
enum Blocking {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws(NATSError) -> T) async throws(NATSError) -> T {
        let result: Result<T, NATSError> = await withCheckedContinuation { continuation in
            BlockingThreads.shared.run {
                do throws(NATSError) { continuation.resume(returning: .success(try body())) }
                catch { continuation.resume(returning: .failure(error)) }
            }
        }
        return try result.get()
    }
}
