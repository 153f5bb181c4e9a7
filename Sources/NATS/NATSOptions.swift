/// How to connect: credentials, TLS, reconnect behaviour, a client name for the server's monitor.
public struct NATSOptions: Sendable {
    public var user: String?
    public var password: String?
    public var token: String?
    /// A file holding a NATS user nkey seed (`SU…`): the connection authenticates by signing the
    /// server's nonce with it (the seed never leaves this host).
    public var nkeySeedFile: String?
    /// Refuse a server that does not offer TLS. Also implied by a `tls://` URL, a CA file or a
    /// client certificate.
    public var requireTLS = false
    /// PEM file of the CA(s) that signed the server's certificate, trusted besides none other.
    /// The server's certificate must be valid, unexpired and name the host of the URL.
    public var tlsCAFile: String?
    /// PEM client certificate (and its key, `tlsKeyFile`) for a server that verifies clients.
    public var tlsCertificateFile: String?
    public var tlsKeyFile: String?
    public var name = "pipette"
    public var connectTimeout: Duration = .seconds(2)
    /// Reconnect forever by default: a platform component should outlive a NATS restart.
    public var maxReconnects = -1
    public var reconnectWait: Duration = .milliseconds(250)
    /// Bytes of outgoing messages kept while reconnecting (published once back).
    public var reconnectBufferBytes = 8 << 20
    /// Write each message to the socket as it is published. Otherwise libnats hands it to its
    /// flusher thread, which waits 1 ms for more before writing: that wait cost every hop of a
    /// request about 0.75 ms (the auctioneer answered in 1.0 ms instead of 0.25; BENCHMARKS.md,
    /// issue 14 row 2). False suits a publisher of many small messages that prefers fewer writes.
    public var sendAsap = true
    /// How long one write to the server may wait for the server to take the bytes. A server that
    /// hangs (a stopped process, a frozen host) reads nothing: without a deadline every publisher
    /// blocked once the socket buffers were full, for as long as the hang lasted. Past it the
    /// connection counts as broken and reconnects (to another server of a cluster when there is
    /// one); publishes meanwhile are kept in the reconnect buffer.
    public var writeDeadline: Duration = .seconds(5)
    /// Deliver every subscription's messages on one thread, in the order the server sent them
    /// (libnats' global delivery pool, one thread unless a process raises it): a message's
    /// handler then runs after the handlers of every message that arrived before it, on any
    /// subscription of the connection. For a client command, whose handlers only queue what they
    /// get: a reply is handled after each log line the stager sent before it, so nothing has to
    /// be drained first (``NATSConnection/deliversInOrder``). Services keep libnats' thread per
    /// subscription.
    public var orderedDelivery = false
    /// Where replies to this connection's requests go (`<prefix>.<unique>`): a component with its
    /// own prefix can be allowed to receive only its own replies (`_INBOX.cell.>`).
    public var inboxPrefix = "_INBOX"

    public init() {}

    /// These options with replies going under `prefix`.
    public func inboxes(_ prefix: String) -> NATSOptions {
        var options = self
        options.inboxPrefix = prefix
        return options
    }

    /// Whether a connection to `url` with these options needs nothing beyond the URL's own
    /// credentials and no TLS, so that ``PlainNATSRequest`` can make it.
    public func allowsPlainSocket(for url: String) -> Bool {
        nkeySeedFile == nil && user == nil && password == nil && token == nil && !wantsTLS(url)
    }

    /// Whether this connection must be TLS for `url`.
    func wantsTLS(_ url: String) -> Bool {
        requireTLS || tlsCAFile != nil || tlsCertificateFile != nil
            || NATSURL.list(url).contains { $0.lowercased().hasPrefix("tls://") }
    }
}

extension Duration {
    var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
