import CNATS
import Foundation

/// A connection to a NATS server (or cluster) through libnats. Owns the C connection; nothing
/// outside this module sees a libnats pointer.
public final class NATSConnection: Sendable {
    let handle: ConnectionHandle
    public let url: String
    private let responses: ResponseMux

    private let inboxPrefix: String
    /// Whether all subscriptions' messages are handled on one thread in arrival order
    /// (``NATSOptions/orderedDelivery``).
    public let deliversInOrder: Bool

    private init(handle: ConnectionHandle, url: String, inboxPrefix: String, deliversInOrder: Bool) {
        self.handle = handle
        self.url = url
        self.inboxPrefix = inboxPrefix
        self.deliversInOrder = deliversInOrder
        responses = ResponseMux(prefix: inboxPrefix + "." + Self.unique())
    }

    /// 32 lowercase hex digits of a random UUID (written without `NSString`, as `NATSURL` says why).
    static func unique() -> String {
        let digits = Array("0123456789abcdef".utf8)
        return withUnsafeBytes(of: UUID().uuid) { bytes in
            String(decoding: bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] }, as: UTF8.self)
        }
    }

    /// For a short-lived command about to connect: starts opening libnats (and initialising
    /// OpenSSL, which libnats does even without TLS; about 7 ms on the test machine) on a thread of
    /// its own, so that it overlaps the command's own start. The first connect waits for it.
    public static func preload() { NATSLibrary.preload() }

    /// Connects, retrying within `options.connectTimeout`; reconnects automatically afterwards.
    public static func connect(_ url: String, options: NATSOptions = NATSOptions()) async throws(NATSError) -> NATSConnection {
        if let problem = NATSURL.problem(url) { throw .invalidURL(problem: problem) }
        // A bad seed file is the caller's to fix, not a connection problem: said as it is.
        let nkey = try options.nkeySeedFile.map { file throws(NATSError) in (publicKey: try nkeyPublicKey(seedFile: file), file: file) }
        try NATSError.checkTLSFiles(options)
        let pointer = try await Blocking.run { () throws(NATSError) -> UInt in
            // Opening libnats blocks (and waits for a preload): on this thread, not the caller's.
            try NATSLibrary.open()
            var opts: OpaquePointer?
            try check(natsOptions_Create(&opts), "options")
            defer { natsOptions_Destroy(opts) }
            do throws(NATSError) {
                try setServers(opts, url)
                if options.user != nil || options.password != nil {
                    try check(natsOptions_SetUserInfo(opts, options.user, options.password), "set user")
                }
                if let token = options.token { try check(natsOptions_SetToken(opts, token), "set token") }
                if let nkey { try check(natsOptions_SetNKeyFromSeed(opts, nkey.publicKey, nkey.file), "set nkey") }
                try setTLS(opts, options, url: url)
                try check(natsOptions_SetName(opts, options.name), "set name")
                try check(natsOptions_SetCustomInboxPrefix(opts, options.inboxPrefix), "set inbox prefix \(options.inboxPrefix)")
                try check(natsOptions_SetTimeout(opts, options.connectTimeout.milliseconds), "set timeout")
                try check(natsOptions_SetMaxReconnect(opts, Int32(options.maxReconnects)), "set reconnects")
                try check(natsOptions_SetReconnectWait(opts, options.reconnectWait.milliseconds), "set reconnect wait")
                try check(natsOptions_SetReconnectBufSize(opts, Int32(options.reconnectBufferBytes)), "set reconnect buffer")
                try check(natsOptions_SetSendAsap(opts, options.sendAsap), "set send-asap")
                try check(natsOptions_SetWriteDeadline(opts, options.writeDeadline.milliseconds), "set write deadline")
                if options.orderedDelivery { try check(natsOptions_UseGlobalMessageDelivery(opts, true), "set ordered delivery") }
            } catch {
                if case .badTLSFile = error { throw error }
                throw NATSError.connectFailed(url: url, reason: error.description)
            }
            var connection: OpaquePointer?
            let status = natsConnection_Connect(&connection, opts)
            guard status == NATS_OK, let connection else {
                throw NATSError.connectFailure(url: url, status: status, lastError: nats_GetLastError(nil).map { String(cString: $0) },
                                               options: options)
            }
            return UInt(bitPattern: Int(bitPattern: connection))
        }
        return NATSConnection(handle: ConnectionHandle(OpaquePointer(bitPattern: pointer)!), url: url, inboxPrefix: options.inboxPrefix,
                              deliversInOrder: options.orderedDelivery)
    }

    /// Publishes `payload`. A subject (or reply subject) with whitespace or control characters,
    /// or too long for the server's control line, is refused here: sent, it would make the server
    /// close this connection (or, with CR/LF, let the subject inject protocol).
    /// The public key of the user seed in `seedFile`, with a sentence saying what is wrong.
    private static func nkeyPublicKey(seedFile: String) throws(NATSError) -> String {
        guard let text = try? String(contentsOfFile: seedFile, encoding: .utf8) else {
            throw .badNKeyFile(path: seedFile, reason: "it cannot be read")
        }
        guard let seed = NKey.seed(in: text) else {
            throw .badNKeyFile(path: seedFile, reason: "it holds no user seed")
        }
        do {
            return try NKey.publicKey(fromSeed: seed)
        } catch {
            throw .badNKeyFile(path: seedFile, reason: "its seed is invalid: \(error.reason)")
        }
    }

    /// TLS when `options` or the URL asks for it: the server's certificate is verified against the
    /// CA file given (its names included); a client certificate when given.
    private static func setTLS(_ opts: OpaquePointer?, _ options: NATSOptions, url: String) throws(NATSError) {
        guard options.wantsTLS(url) else { return }
        try check(natsOptions_SetSecure(opts, true), "set secure")
        if let ca = options.tlsCAFile, natsOptions_LoadCATrustedCertificates(opts, ca) != NATS_OK {
            throw .badTLSFile(path: ca, what: .ca, reason: lastErrorReason(or: "it holds no PEM certificate"))
        }
        if let certificate = options.tlsCertificateFile, let key = options.tlsKeyFile,
           natsOptions_LoadCertificatesChain(opts, certificate, key) != NATS_OK {
            throw .badTLSFile(path: "\(certificate) (key \(key))", what: .certificate,
                              reason: lastErrorReason(or: "they hold no matching PEM certificate and key"))
        }
    }

    /// libnats' last error on this thread without its source location ("no certificate or crl
    /// found"), or `fallback` when it has nothing useful.
    private static func lastErrorReason(or fallback: String) -> String {
        guard let text = nats_GetLastError(nil).map({ NATSError.withoutSourceLocation(String(cString: $0)) }),
              let colon = text.range(of: ": ", options: .backwards) else { return fallback }
        let reason = String(text[colon.upperBound...])
        return reason.isEmpty || reason == "(null)" ? fallback : reason
    }

    /// One URL, or a comma-separated list (`nats://a:4222,nats://b:4222`, the NATS convention):
    /// the client tries them and learns the rest of a cluster from the server.
    private static func setServers(_ opts: OpaquePointer?, _ url: String) throws(NATSError) {
        let urls = NATSURL.list(url)
        guard urls.count > 1 else { return try check(natsOptions_SetURL(opts, url), "set URL \(NATSURL.redacted(url))") }
        var pointers = urls.map { strdup($0) }
        defer { pointers.forEach { free($0) } }
        let status = pointers.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) {
                natsOptions_SetServers(opts, $0, Int32(buffer.count))
            }
        }
        try check(status, "set servers \(NATSURL.redacted(url))")
    }

    /// Connects like ``connect(_:options:)``, for a service: while no server answers it keeps
    /// trying for up to `patience` (a service started together with its nats-server, as foreman
    /// does, must not exit because it won the race); while the server refuses it (its certificate,
    /// TLS, credentials: ``NATSError/isServerRefusal``) it keeps trying until cancelled, since the
    /// server's side can be mended, backing off to `maxBackoff`. `onWait` is told each distinct
    /// error once. A bad local file (a CA that cannot be read) is thrown at once.
    public static func connect(_ url: String, options: NATSOptions = NATSOptions(), patience: Duration,
                               maxBackoff: Duration = .seconds(5),
                               onWait: @Sendable (NATSError) -> Void) async throws(NATSError) -> NATSConnection {
        let deadline = ContinuousClock.now + patience
        var told: Set<String> = []
        var backoff = Duration.milliseconds(250)
        while true {
            do {
                return try await connect(url, options: options)
            } catch {
                let waitable = (error.isNoServer && ContinuousClock.now < deadline) || error.isServerRefusal
                guard waitable else { throw error }
                if told.insert(error.description).inserted { onWait(error) }
                if !error.isServerRefusal { backoff = .milliseconds(250) }
                do { try await Task.sleep(for: backoff) } catch { throw NATSError.closed }
                if error.isServerRefusal { backoff = min(backoff * 2, maxBackoff) }
            }
        }
    }

    public func publish(_ subject: String, _ payload: some Collection<UInt8>, replyTo: String? = nil) throws(NATSError) {
        if let problem = Self.problem(inSubject: subject) { throw .invalidSubject(subject: subject, problem: problem) }
        if let replyTo, let problem = Self.problem(inSubject: replyTo) { throw .invalidSubject(subject: replyTo, problem: problem) }
        let bytes = Array(payload)
        let status = bytes.withUnsafeBytes { buffer in
            if let replyTo {
                natsConnection_PublishRequest(handle.pointer, subject, replyTo, buffer.baseAddress, Int32(buffer.count))
            } else {
                natsConnection_Publish(handle.pointer, subject, buffer.baseAddress, Int32(buffer.count))
            }
        }
        try check(status, "publish to \(subject)")
    }

    public func publish(_ subject: String, _ text: String, replyTo: String? = nil) throws(NATSError) {
        try publish(subject, Array(text.utf8), replyTo: replyTo)
    }

    /// Subscribes to `subjects` (in a queue group when `queue` is given: each message goes to one
    /// member of the group) as one bounded sequence.
    /// - Parameters:
    ///   - admit: decides on libnats' thread whether a message may wait in the buffer.
    ///   - onOverflow: gets each message not admitted or arriving while `bufferSize` are waiting.
    public func subscribe(_ subjects: [String], queue: String? = nil, bufferSize: Int = 1024,
                          admit: @escaping @Sendable (NATSMessage) -> Bool = { _ in true },
                          onOverflow: @escaping @Sendable (NATSMessage) -> Void = { _ in }) throws(NATSError) -> NATSSubscription {
        try NATSSubscription(connection: handle, subjects: subjects, queue: queue,
                             bufferSize: bufferSize, admit: admit, onOverflow: onOverflow)
    }

    public func subscribe(_ subject: String, queue: String? = nil, bufferSize: Int = 1024,
                          onOverflow: @escaping @Sendable (NATSMessage) -> Void = { _ in }) throws(NATSError) -> NATSSubscription {
        try subscribe([subject], queue: queue, bufferSize: bufferSize, onOverflow: onOverflow)
    }

    func subscribeRaw(_ subject: String, deliver: @escaping @Sendable (NATSMessage) -> Void,
                      finish: @escaping @Sendable () -> Void) throws(NATSError) -> SubscriptionHandle {
        try SubscriptionHandle(connection: handle, subject: subject, queue: nil, deliver: deliver, finish: finish)
    }

    /// Sends a request and waits for the first reply, through one shared reply subscription.
    public func request(_ subject: String, _ payload: some Collection<UInt8>, timeout: Duration) async throws(NATSError) -> NATSMessage {
        let inbox = try responses.start(on: self)
        let token = responses.register()
        do {
            try publish(subject, payload, replyTo: inbox + "." + token)
        } catch {
            responses.cancel(token)
            throw error
        }
        let seconds = Double(timeout.milliseconds) / 1000
        do {
            return try await withThrowingTaskGroup(of: NATSMessage.self) { group in
                group.addTask { try await self.responses.wait(token) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw NATSError.timedOut(subject: subject, seconds: seconds)
                }
                defer { group.cancelAll() }
                let reply = try await group.next()!
                if reply.payload.isEmpty, reply.isNoResponders { throw NATSError.noResponders(subject: subject) }
                return reply
            }
        } catch let error as NATSError {
            responses.cancel(token)
            throw error
        } catch {
            responses.cancel(token)
            throw .timedOut(subject: subject, seconds: seconds)
        }
    }

    /// The servers this connection knows: the URLs it was given and those the cluster told it of
    /// (passwords masked).
    public var knownServers: [String] {
        var servers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        var count: Int32 = 0
        guard natsConnection_GetServers(handle.pointer, &servers, &count) == NATS_OK, let servers else { return [url] }
        defer {
            for index in 0..<Int(count) { free(servers[index]) }
            free(servers)
        }
        return (0..<Int(count)).compactMap { servers[$0].map { NATSURL.redacted(String(cString: $0)) } }
    }

    /// The server this connection is on now (password masked); nil while it has none.
    public var connectedServer: String? {
        var buffer = [CChar](repeating: 0, count: 512)
        guard natsConnection_GetConnectedUrl(handle.pointer, &buffer, buffer.count) == NATS_OK, buffer[0] != 0 else { return nil }
        return NATSURL.redacted(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// How many copies a new JetStream bucket or stream keeps: one per known server, at most 3
    /// (a single server takes only 1; a cluster keeps what it stores on three nodes).
    public var defaultReplicas: Int { max(1, min(3, knownServers.count)) }

    /// The largest payload the server accepts in one message (1 MiB unless configured).
    public var maxPayload: Int { Int(natsConnection_GetMaxPayload(handle.pointer)) }

    var address: Int { handle.address }

    /// The minimum the wire needs: not empty, at most 1 KiB, no whitespace or control characters.
    static func problem(inSubject subject: String) -> String? {
        if subject.isEmpty { return "is empty" }
        if subject.utf8.count > 1024 { return "is longer than 1024 bytes" }
        if subject.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) { return "contains whitespace or a control character" }
        return nil
    }

    /// A new unique subject to receive on (for log streams and replies).
    public func newInbox() -> String { inboxPrefix + "." + Self.unique() }

    /// Waits until the server has processed everything published so far. While the connection
    /// is reconnecting (its NATS node lost) it waits for it to come back within `timeout`: what
    /// was published or subscribed meanwhile is sent on reconnecting, and then flushed.
    public func flush(timeout: Duration = .seconds(5)) async throws(NATSError) {
        let pointer = handle.address
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            let millis = max((deadline - clock.now).milliseconds, 1)
            do {
                try await Blocking.run { () throws(NATSError) in
                    try check(natsConnection_FlushTimeout(OpaquePointer(bitPattern: pointer), millis), "flush")
                }
                return
            } catch {
                guard !isClosed, !Task.isCancelled, clock.now < deadline else { throw error }
                while !isConnected, !isClosed, clock.now < deadline {
                    guard (try? await Task.sleep(for: .milliseconds(20))) != nil else { throw error }
                }
            }
        }
    }

    /// Drains every subscription (pending messages are still delivered), then closes. While the
    /// server is unreachable there is nothing to drain: it closes at once (a component stopping
    /// together with its nats-server must not hang in shutdown).
    public func drain(timeout: Duration = .seconds(10)) async {
        guard isConnected else { return close() }
        _ = natsConnection_DrainTimeout(handle.pointer, timeout.milliseconds)
        let deadline = ContinuousClock.now + timeout + .seconds(1)
        while !natsConnection_IsClosed(handle.pointer), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        close()
    }

    public func close() { natsConnection_Close(handle.pointer) }

    /// Waits, looking every 100 ms, while `condition` holds and until `deadline`, or until the
    /// connection has been down for `down` (its server gone for good: nats-server stopping with
    /// the rest of a Procfile, which a reconnect to another node of a cluster would not take
    /// that long). True when it ended for that last reason; false otherwise, or when cancelled.
    public func wait(while condition: @Sendable () -> Bool = { true }, until deadline: ContinuousClock.Instant,
                     orDownFor down: Duration = .seconds(2)) async -> Bool {
        let clock = ContinuousClock()
        var downSince: ContinuousClock.Instant?
        while condition(), clock.now < deadline {
            guard (try? await Task.sleep(for: .milliseconds(100))) != nil else { return false }
            downSince = isConnected ? nil : (downSince ?? clock.now)
            if let downSince, clock.now - downSince >= down { return true }
        }
        return false
    }

    public var isClosed: Bool { natsConnection_IsClosed(handle.pointer) }

    /// Subscriptions dropped and not yet destroyed: they wait for a flush so that libnats' reader
    /// is done with them (``ConnectionHandle``); 0 soon after the last one was dropped.
    public var subscriptionsAwaitingDestroy: Int { handle.retiredCount }

    /// Connected right now (not reconnecting, not closed).
    public var isConnected: Bool { natsConnection_Status(handle.pointer) == NATS_CONN_STATUS_CONNECTED }
}
