/// A message received from NATS, copied out of libnats' buffer.
public struct NATSMessage: Sendable, Equatable {
    public let subject: String
    /// Where a reply goes, when the sender asked for one.
    public let replyTo: String?
    public let payload: [UInt8]
    /// The server's "no responders" status reply to a request nobody was subscribed for.
    public let isNoResponders: Bool

    public init(subject: String, replyTo: String?, payload: [UInt8], isNoResponders: Bool = false) {
        self.subject = subject
        self.replyTo = replyTo
        self.payload = payload
        self.isNoResponders = isNoResponders
    }

    public var string: String { String(decoding: payload, as: UTF8.self) }
}
