import NIOCore

/// A request body: `prefix`, the buffers of `inner`, then `suffix` (a multipart part's
/// boundaries around a file or a relayed body).
struct FramedBody<Inner: AsyncSequence & Sendable>: AsyncSequence, Sendable where Inner.Element == ByteBuffer {
    typealias Element = ByteBuffer
    let prefix: [UInt8]
    let inner: Inner
    let suffix: [UInt8]

    struct AsyncIterator: AsyncIteratorProtocol {
        let body: FramedBody
        var inner: Inner.AsyncIterator
        var stage = 0

        mutating func next() async throws -> ByteBuffer? {
            while true {
                switch stage {
                case 0:
                    stage = 1
                    if !body.prefix.isEmpty { return ByteBuffer(bytes: body.prefix) }
                case 1:
                    if let buffer = try await inner.next() { return buffer }
                    stage = 2
                    if !body.suffix.isEmpty { return ByteBuffer(bytes: body.suffix) }
                default:
                    return nil
                }
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(body: self, inner: inner.makeAsyncIterator()) }
}
