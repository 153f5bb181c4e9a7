import Archive
import AsyncHTTPClient
import NIOCore
import Synchronization

/// The body of a relayed request: `prefix`, the source's body, `suffix`. The source is hashed on
/// the way and its last buffer held back until it is known to be `expected`; on a mismatch or a
/// source failure the sequence throws before the last bytes, so the destination never gets a
/// whole request, and the reason is kept in `failure` (an HTTP client may wrap what it throws).
struct RelayBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let source: HTTPClientResponse.Body
    /// Says a failure reading the source as a `TransferError`.
    let describe: @Sendable (any Error) -> TransferError
    let expected: ArchiveDigest
    let prefix: [UInt8]
    let suffix: [UInt8]
    let failure: RelayFailure

    struct AsyncIterator: AsyncIteratorProtocol {
        let body: RelayBody
        var upstream: HTTPClientResponse.Body.AsyncIterator
        var digest = RunningDigest()
        var held: ByteBuffer?
        var stage = 0

        mutating func next() async throws -> ByteBuffer? {
            while true {
                switch stage {
                case 0:
                    stage = 1
                    if !body.prefix.isEmpty { return ByteBuffer(bytes: body.prefix) }
                case 1:
                    let buffer: ByteBuffer?
                    do {
                        buffer = try await upstream.next()
                    } catch {
                        throw fail(.source(body.describe(error)))
                    }
                    guard let buffer else {
                        stage = 2
                        let got = digest.finish()
                        guard got == body.expected else { throw fail(.mismatch(got: got)) }
                        var last = held ?? ByteBuffer()
                        last.writeBytes(body.suffix)
                        return last
                    }
                    buffer.withUnsafeReadableBytes { digest.update($0) }
                    if let previous = held {
                        held = buffer
                        return previous
                    }
                    held = buffer
                default:
                    return nil
                }
            }
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
