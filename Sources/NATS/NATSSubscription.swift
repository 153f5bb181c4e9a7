/// Messages on one or more subjects (optionally in a queue group) as a bounded async sequence.
///
/// Each message is first offered to `admit`; an admitted one is yielded into an `AsyncStream`
/// holding at most `bufferSize`. A message refused by `admit`, or one that does not fit, goes to
/// `onOverflow` at once (so it can be answered "busy"), never dropped silently. The sequence ends
/// when every subject's subscription is unsubscribed, drained or closed.
public final class NATSSubscription: AsyncSequence, Sendable {
    public typealias Element = NATSMessage

    public let subjects: [String]
    private let stream: AsyncStream<NATSMessage>
    private let handles: [SubscriptionHandle]

    init(connection: ConnectionHandle, subjects: [String], queue: String?, bufferSize: Int,
         admit: @escaping @Sendable (NATSMessage) -> Bool,
         onOverflow: @escaping @Sendable (NATSMessage) -> Void) throws(NATSError) {
        self.subjects = subjects
        let (stream, continuation) = AsyncStream<NATSMessage>.makeStream(bufferingPolicy: .bufferingOldest(bufferSize))
        self.stream = stream
        let remaining = Countdown(subjects.count) { continuation.finish() }
        var handles: [SubscriptionHandle] = []
        for subject in subjects {
            do {
                handles.append(try SubscriptionHandle(
                    connection: connection, subject: subject, queue: queue,
                    deliver: { message in
                        guard admit(message) else { return onOverflow(message) }
                        if case .dropped(let overflow) = continuation.yield(message) { onOverflow(overflow) }
                    },
                    finish: remaining.tick))
            } catch {
                handles.forEach { $0.unsubscribe() }
                continuation.finish()
                throw error
            }
        }
        self.handles = handles
    }

    public func makeAsyncIterator() -> AsyncStream<NATSMessage>.Iterator { stream.makeAsyncIterator() }

    /// Stops delivery at once; buffered messages are still iterated, then the sequence ends.
    public func unsubscribe() { handles.forEach { $0.unsubscribe() } }

    /// Lets messages already sent to us arrive, then ends the sequence (graceful shutdown).
    public func drain() { handles.forEach { $0.drain() } }
}
