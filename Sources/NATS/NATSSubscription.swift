/// Messages on a subject (optionally in a queue group) as a bounded async sequence.
///
/// Each message is yielded into an `AsyncStream` holding at most `bufferSize`; one that does not
/// fit goes to the overflow handler at once (so it can be answered "busy"), never dropped
/// silently. The sequence ends when the subscription is unsubscribed, drained or closed.
public final class NATSSubscription: AsyncSequence, Sendable {
    public typealias Element = NATSMessage

    public let subject: String
    private let stream: AsyncStream<NATSMessage>
    private let handle: SubscriptionHandle

    init(connection: OpaquePointer, subject: String, queue: String?, bufferSize: Int,
         onOverflow: @escaping @Sendable (NATSMessage) -> Void) throws(NATSError) {
        self.subject = subject
        let (stream, continuation) = AsyncStream<NATSMessage>.makeStream(bufferingPolicy: .bufferingOldest(bufferSize))
        self.stream = stream
        handle = try SubscriptionHandle(
            connection: connection, subject: subject, queue: queue,
            deliver: { message in
                if case .dropped(let overflow) = continuation.yield(message) { onOverflow(overflow) }
            },
            finish: { continuation.finish() })
    }

    public func makeAsyncIterator() -> AsyncStream<NATSMessage>.Iterator { stream.makeAsyncIterator() }

    /// Stops delivery at once; buffered messages are still iterated, then the sequence ends.
    public func unsubscribe() { handle.unsubscribe() }

    /// Lets messages already sent to us arrive, then ends the sequence (graceful shutdown).
    public func drain() { handle.drain() }
}
