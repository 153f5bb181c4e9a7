/// How to connect: credentials, reconnect behaviour, a client name for the server's monitor.
public struct NATSOptions: Sendable {
    public var user: String?
    public var password: String?
    public var token: String?
    /// A file holding a NATS user nkey seed (`SU…`): the connection authenticates by signing the
    /// server's nonce with it (the seed never leaves this host).
    public var nkeySeedFile: String?
    public var name = "pipette"
    public var connectTimeout: Duration = .seconds(2)
    /// Reconnect forever by default: a platform component should outlive a NATS restart.
    public var maxReconnects = -1
    public var reconnectWait: Duration = .milliseconds(250)
    /// Bytes of outgoing messages kept while reconnecting (published once back).
    public var reconnectBufferBytes = 8 << 20
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
}

extension Duration {
    var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
