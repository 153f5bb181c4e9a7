import Archive
import AsyncHTTPClient
import NIOCore
import Synchronization

/// A relayed response body, checked on the way: hashed buffer by buffer, its last buffer held
/// back until the whole is known to be `expected`. On a mismatch or a failure to read, it throws
/// before the last bytes, so whoever receives it never gets a whole wrong body; the reason is
/// kept in `failure` (an HTTP client may wrap what a body throws).
struct CheckedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let source: HTTPClientResponse.Body
    /// Says a failure reading the source as a `TransferError`.
    let describe: @Sendable (any Error) -> TransferError
    let expected: ArchiveDigest
    let failure: RelayFailure

    struct AsyncIterator: AsyncIteratorProtocol {
        let body: CheckedBody
        var upstream: HTTPClientResponse.Body.AsyncIterator
        var digest = RunningDigest()
        var held: ByteBuffer?
        var ended = false
        /// Bytes read from the source so far.
        var seen: Int64 = 0

        mutating func next() async throws -> ByteBuffer? {
            while !ended {
                let buffer: ByteBuffer?
                do {
                    buffer = try await upstream.next()
                } catch {
                    throw fail(.source(body.describe(error)))
                }
                guard let buffer else {
                    ended = true
                    let got = digest.finish()
                    guard got == body.expected else { throw fail(.mismatch(got: got)) }
                    return held
                }
                buffer.withUnsafeReadableBytes { digest.update($0) }
                seen += Int64(buffer.readableBytes)
                if seen > body.expected.size {
                    // Longer than expected: read to the end to say what it is, but pass no more on
                    // (the receiver would fail on the length first, blaming itself).
                    do {
                        while let rest = try await upstream.next() { rest.withUnsafeReadableBytes { digest.update($0) } }
                    } catch {
                        throw fail(.source(body.describe(error)))
                    }
                    ended = true
                    throw fail(.mismatch(got: digest.finish()))
                }
                let previous = held
                held = buffer
                if let previous { return previous }
            }
            return nil
        }

        private func fail(_ error: RelayError) -> RelayError {
            body.failure.record(error)
            return error
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(body: self, upstream: source.makeAsyncIterator()) }
}

/// The first reason a relay failed, as its body saw it.
final class RelayFailure: Sendable {
    private let value = Mutex<RelayError?>(nil)

    func record(_ error: RelayError) { value.withLock { $0 = $0 ?? error } }
    var error: RelayError? { value.withLock { $0 } }
}
