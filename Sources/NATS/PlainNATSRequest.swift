/// One request over a plain TCP connection to NATS, written in the protocol's own text, for a
/// short-lived client command (`pipette stage`): libnats costs such a command about 10 ms before
/// its request can leave (the library and OpenSSL loaded and initialised, its threads started;
/// BENCHMARKS.md), a handful of protocol lines on a socket do not.
///
/// It does the common case only: a `nats://` server that does not require TLS, with the URL's
/// user and password (or token) if any. Whatever else comes up (TLS, a refusal, a lost
/// connection, nobody subscribed yet, long silence, what is not NATS) ends it with
/// ``Outcome/handOver(_:)``, for the caller to go on over a ``NATSConnection``, which handles all
/// of them: the caller must be able to send the same request again (a staging request naming its
/// task id is: stagers recognise it).
public enum PlainNATSRequest {
    public enum Outcome: Sendable, Equatable {
        case reply(NATSMessage)
        /// Not finished here, and why (for a log line or a test).
        case handOver(String)
    }

    /// Subscribes to `following` (when given) and to an inbox, publishes `payload` to `subject`
    /// with that inbox to reply to, hands every message on `following` to `onMessage` (on a
    /// thread of its own, in the order the server sent them: each one before a reply that came
    /// after it), and returns the first reply.
    /// - Parameters:
    ///   - silence: hand over when nothing at all arrived for this long.
    ///   - connectPatience: how long each of the URL's servers may take to accept the connection,
    ///     and the one that did to send its `INFO`.
    /// - Throws: only `NATSError.timedOut`, when `timeout` passes first.
    public static func send(_ payload: [UInt8], to subject: String, url: String, following: String?,
                            timeout: Duration, silence: Duration, connectPatience: Duration = .seconds(1),
                            onMessage: @escaping @Sendable (NATSMessage) -> Void) async throws(NATSError) -> Outcome {
        try await Blocking.run { () throws(NATSError) -> Outcome in
            let deadline = ContinuousClock.now + timeout
            for text in NATSURL.list(url) {
                guard let server = Server(text) else { return .handOver("\(NATSURL.redacted(text)) needs libnats (TLS or an encoded credential)") }
                guard let socket = PlainSocket.connect(host: server.host, port: server.port, patience: connectPatience) else { continue }
                var exchange = Exchange(socket: socket, timeout: timeout, deadline: deadline, silence: silence,
                                        patience: connectPatience)
                return try exchange.run(payload, to: subject, server: server, following: following, onMessage: onMessage)
            }
            return .handOver("no server of \(NATSURL.redacted(url)) accepted a connection")
        }
    }

    /// A `nats://` URL's (or bare `HOST:PORT`'s) server and credentials; nil for what only
    /// libnats handles.
    struct Server: Equatable {
        var host: String
        var port = 4222
        var user: String?
        var password: String?
        var token: String?

        init(host: String, port: Int = 4222, user: String? = nil, password: String? = nil, token: String? = nil) {
            self.host = host
            self.port = port
            self.user = user
            self.password = password
            self.token = token
        }

        init?(_ url: String) {
            var rest = Substring(url)
            if let scheme = NATSURL.schemeSeparator(in: rest) {
                guard rest[..<scheme.lowerBound].lowercased() == "nats" else { return nil }
                rest = rest[scheme.upperBound...]
            }
            rest = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            if let at = rest.lastIndex(of: "@") {
                let userinfo = rest[..<at]
                // Only what a URL's userinfo may hold as it is (RFC 3986), none of it special in JSON;
                // percent-encoded credentials are libnats' to decode.
                guard userinfo.unicodeScalars.allSatisfy(Self.isUserinfo) else { return nil }
                if let colon = userinfo.firstIndex(of: ":") {
                    user = String(userinfo[..<colon])
                    password = String(userinfo[userinfo.index(after: colon)...])
                } else {
                    token = String(userinfo)
                }
                rest = rest[rest.index(after: at)...]
            }
            if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
                guard let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port) else { return nil }
                self.port = port
                rest = rest[..<colon]
            }
            guard !rest.isEmpty else { return nil }
            host = String(rest)
        }

        /// The `CONNECT` line: no acknowledgements, headers on (for "no responders" replies).
        var connectLine: String {
            var fields = #""verbose":false,"pedantic":false,"tls_required":false,"name":"pipette","lang":"swift","# +
                #""version":"1","protocol":1,"echo":true,"headers":true,"no_responders":true"#
            if let user { fields += #","user":""# + user + "\"" }
            if let password { fields += #","pass":""# + password + "\"" }
            if let token { fields += #","auth_token":""# + token + "\"" }
            return "CONNECT {\(fields)}\r\n"
        }

        /// Unreserved characters and sub-delimiters (RFC 3986), and the `:` between user and password.
        static func isUserinfo(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "-", ".", "_", "~", "!", "$", "&", "'", "(", ")", "*", "+", ",", ";", "=", ":":
                true
            default:
                false
            }
        }
    }

    /// What the request needs of the server's `INFO` (compact JSON, as nats-server writes it).
    struct ServerInfo {
        var tlsRequired = false
        var authRequired = false
        var headers = false
        var maxPayload = 1 << 20

        init(_ json: String) {
            let bytes = Array(json.utf8)
            tlsRequired = Self.value("tls_required", in: bytes) == "true"
            authRequired = Self.value("auth_required", in: bytes) == "true"
            headers = Self.value("headers", in: bytes) == "true"
            maxPayload = Self.value("max_payload", in: bytes).flatMap { Int($0) } ?? maxPayload
        }

        /// The scalar after `"key":` (up to a comma or brace), if there is one.
        private static func value(_ key: String, in bytes: [UInt8]) -> String? {
            let needle = Array("\"\(key)\":".utf8)
            guard bytes.count >= needle.count else { return nil }
            for start in 0...(bytes.count - needle.count) where bytes[start..<(start + needle.count)].elementsEqual(needle) {
                let value = bytes[(start + needle.count)...].prefix { $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: "}") }
                return String(decoding: value, as: UTF8.self).filter { $0 != " " }
            }
            return nil
        }
    }

    /// The request on one connected socket.
    private struct Exchange {
        let socket: PlainSocket
        let timeout: Duration
        let deadline: ContinuousClock.Instant
        let silence: Duration
        /// How long the server may take to send its `INFO`.
        let patience: Duration
        var reader = NATSWireReader()

        init(socket: PlainSocket, timeout: Duration, deadline: ContinuousClock.Instant, silence: Duration, patience: Duration) {
            self.socket = socket
            self.timeout = timeout
            self.deadline = deadline
            self.silence = silence
            self.patience = patience
        }

        mutating func run(_ payload: [UInt8], to subject: String, server: Server, following: String?,
                          onMessage: (NATSMessage) -> Void) throws(NATSError) -> Outcome {
            var heard = ContinuousClock.now
            // A server that accepts but says nothing (hung) is libnats' to time out and report.
            let connectDeadline = min(deadline, heard + patience)
            var info: ServerInfo?
            while info == nil {
                switch next(until: connectDeadline) {
                case .operation(.info(let json)): info = ServerInfo(json)
                case .operation(let other): return .handOver("the server began with \(other), not INFO")
                case .ended(let why):
                    if why == nil, ContinuousClock.now < deadline { return .handOver("the server sent no INFO within \(patience)") }
                    return try ended(why, subject: subject)
                }
            }
            guard let info, !info.tlsRequired else { return .handOver("the server requires TLS") }
            guard info.headers else { return .handOver("the server does not support headers") }
            guard !info.authRequired || server.user != nil || server.token != nil else {
                return .handOver("the server requires credentials the URL does not give")
            }
            guard payload.count <= info.maxPayload else { return .handOver("the request is larger than the server's max_payload") }
            reader.maxPayload = max(info.maxPayload, 1 << 20)
            let inbox = "_INBOX." + NATSConnection.unique()
            for name in [subject, following].compactMap({ $0 }) {
                if let problem = NATSConnection.problem(inSubject: name) { return .handOver("subject \(name) \(problem)") }
            }
            var out = Array(server.connectLine.utf8)
            if let following { out += Array("SUB \(following) 1\r\n".utf8) }
            out += Array("SUB \(inbox) 2\r\nPUB \(subject) \(inbox) \(payload.count)\r\n".utf8) + payload + Array("\r\n".utf8)
            guard socket.write(out, until: deadline) else { return .handOver("the connection broke while sending the request") }
            heard = .now
            while true {
                switch next(until: min(deadline, heard + silence)) {
                case .operation(.message(let message, sid: 1)):
                    heard = .now
                    onMessage(message)
                case .operation(.message(let message, sid: 2)):
                    return message.isNoResponders ? .handOver("nobody is subscribed to \(subject) yet") : .reply(message)
                case .operation(.ping):
                    guard socket.write(Array("PONG\r\n".utf8), until: deadline) else { return .handOver("the connection broke") }
                case .operation(.error(let text)):
                    return .handOver("the server said: \(text)")
                case .operation:
                    continue
                case .ended(let why):
                    return try ended(why, subject: subject)
                }
            }
        }

        private enum Step {
            case operation(NATSWireReader.Operation)
            case ended(String?)
        }

        /// The next operation from the server, or why none came (nil: the time ran out).
        private mutating func next(until wake: ContinuousClock.Instant) -> Step {
            while true {
                do {
                    if let operation = try reader.next() { return .operation(operation) }
                } catch {
                    return .ended(error.description)
                }
                switch socket.receive(into: &reader, until: wake) {
                case .bytes: continue
                case .closed: return .ended("the server closed the connection")
                case .deadline: return .ended(nil)
                }
            }
        }

        /// Time out past the deadline; otherwise hand over, saying why.
        private func ended(_ why: String?, subject: String) throws(NATSError) -> Outcome {
            if let why { return .handOver(why) }
            if ContinuousClock.now >= deadline {
                throw .timedOut(subject: subject, seconds: Double(timeout.components.seconds))
            }
            return .handOver("nothing was heard for \(silence)")
        }
    }
}
