import Synchronization

/// Many short-lived followers of subjects under one prefix, through one subscription to
/// `<prefix>.>` (and one to each `broadcast` subject, whose messages every follower gets), as
/// ``ResponseMux`` shares one for replies. A follower costs no SUB, UNSUB or flush, and no libnats
/// delivery thread of its own started and stopped: a stager follows each staging's task events
/// this way (BENCHMARKS.md, issue 14 row 2).
public final class SubjectMux: Sendable {
    /// A follower's messages: those on `<subject>.…` and on the broadcast subjects, buffered up
    /// to its size (past it, newer ones are dropped), until ``stop()``.
    public final class Follower: AsyncSequence, Sendable {
        public typealias Element = NATSMessage
        let key: String
        private let stream: AsyncStream<NATSMessage>
        let continuation: AsyncStream<NATSMessage>.Continuation
        private weak let mux: SubjectMux?

        init(key: String, bufferSize: Int, mux: SubjectMux) {
            self.key = key
            (stream, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingOldest(bufferSize))
            self.mux = mux
        }

        public func makeAsyncIterator() -> AsyncStream<NATSMessage>.Iterator { stream.makeAsyncIterator() }

        /// Ends the sequence (what is buffered is still read) and forgets the subject.
        public func stop() {
            mux?.forget(self)
            continuation.finish()
        }

        deinit { stop() }
    }

    private struct State {
        var subscriptions: [SubscriptionHandle] = []
        var followers: [String: Follower] = [:]
        var flushed = false
        var closed = false
    }

    public let prefix: String
    private let connection: NATSConnection
    private let broadcast: [String]
    private let onUnrouted: @Sendable (NATSMessage) -> Void
    private let state = Mutex(State())

    /// - Parameter onUnrouted: gets each message under the prefix that no follower takes (on
    ///   libnats' thread), e.g. to answer a request for something no longer followed.
    public init(connection: NATSConnection, prefix: String, broadcast: [String] = [],
                onUnrouted: @escaping @Sendable (NATSMessage) -> Void = { _ in }) {
        self.connection = connection
        self.prefix = prefix
        self.broadcast = broadcast
        self.onUnrouted = onUnrouted
    }

    /// Follows `subject`, which must be `<prefix>.<one token>`; subscribes on first use, and
    /// returns once the server has the subscription (so a message published in answer to what the
    /// caller sends next cannot miss it, in a cluster too).
    public func follow(_ subject: String, bufferSize: Int = 65_536) async throws(NATSError) -> Follower {
        guard subject.hasPrefix(prefix + "."), let key = Self.key(of: subject, after: prefix), subject == prefix + "." + key else {
            throw .invalidSubject(subject: subject, problem: "is not one token under \(prefix)")
        }
        try start()
        let follower = Follower(key: key, bufferSize: bufferSize, mux: self)
        let previous = state.withLock { $0.followers.updateValue(follower, forKey: key) }
        previous?.continuation.finish()
        if !state.withLock({ $0.flushed }) {
            try await connection.flush()
            state.withLock { $0.flushed = true }
        }
        return follower
    }

    /// Stops every subscription; followers' sequences end.
    public func close() {
        let (subscriptions, followers) = state.withLock { state in
            state.closed = true
            defer { state.subscriptions = []; state.followers = [:] }
            return (state.subscriptions, Array(state.followers.values))
        }
        subscriptions.forEach { $0.unsubscribe() }
        followers.forEach { $0.continuation.finish() }
    }

    private func start() throws(NATSError) {
        try state.withLock { (state) throws(NATSError) in
            guard !state.closed else { throw .closed }
            guard state.subscriptions.isEmpty else { return }
            for subject in [prefix + ".>"] + broadcast {
                state.subscriptions.append(try connection.subscribeRaw(
                    subject, deliver: { [weak self] in self?.route($0) }, finish: { [weak self] in self?.close() }))
            }
        }
    }

    private func route(_ message: NATSMessage) {
        if message.subject.hasPrefix(prefix + "."), let key = Self.key(of: message.subject, after: prefix) {
            guard let follower = state.withLock({ $0.followers[key] }) else { return onUnrouted(message) }
            follower.continuation.yield(message)
        } else if broadcast.contains(message.subject) {
            state.withLock { Array($0.followers.values) }.forEach { $0.continuation.yield(message) }
        }
    }

    fileprivate func forget(_ follower: Follower) {
        state.withLock { state in
            if state.followers[follower.key] === follower { state.followers[follower.key] = nil }
        }
    }

    /// The token right after `prefix.` in `subject`.
    private static func key(of subject: String, after prefix: String) -> String? {
        let rest = subject.utf8.dropFirst(prefix.utf8.count + 1)
        let key = rest.prefix { $0 != UInt8(ascii: ".") }
        return key.isEmpty ? nil : String(key)
    }
}
