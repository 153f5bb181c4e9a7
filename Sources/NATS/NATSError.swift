/// A failed NATS operation, with libnats' reason and what to try.
public enum NATSError: Error, Equatable, Sendable, CustomStringConvertible {
    case connectFailed(url: String, reason: String)
    case operationFailed(operation: String, reason: String)
    case timedOut(subject: String, seconds: Double)
    case noResponders(subject: String)
    case closed
    /// The server has no JetStream (nats-server was started without `-js`).
    case jetStreamUnavailable(reason: String)
    /// A subject Pipette refuses to send: it would break the connection (see `NATSConnection.publish`).
    case invalidSubject(subject: String, problem: String)
    /// The nkey seed file given cannot be used.
    case badNKeyFile(path: String, reason: String)

    public var description: String {
        switch self {
        case .connectFailed(let url, let reason):
            "cannot connect to NATS at \(NATSURL.redacted(url)): \(reason); is nats-server running there? (start one with `nats-server -p 4222`)"
        case .operationFailed(let operation, let reason):
            "NATS \(operation) failed: \(reason)"
        case .timedOut(let subject, let seconds):
            "no reply on \(subject) within \(seconds.formatted()) seconds"
        case .noResponders(let subject):
            "nobody is listening on \(subject)"
        case .closed:
            "the NATS connection is closed"
        case .jetStreamUnavailable(let reason):
            "NATS JetStream is not available (\(reason)); start nats-server with JetStream: `nats-server -js -sd DIR`"
        case .badNKeyFile(let path, let reason):
            "cannot use the NATS nkey seed file \(path): \(reason); give a file holding a user seed (a line starting SU) "
                + "with --nats-nkey, PIPETTE_NATS_NKEY or nats_nkey_file"
        case .invalidSubject(let subject, let problem):
            "refusing to publish to subject \"\(subject.prefix(80))\": it \(problem)"
        }
    }
}

extension Double {
    /// `120` for whole numbers, `0.5` otherwise.
    func formatted() -> String {
        self == rounded() ? String(Int(self)) : String(self)
    }
}
