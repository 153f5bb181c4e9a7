/// A failed NATS operation, with libnats' reason and what to try.
public enum NATSError: Error, Equatable, Sendable, CustomStringConvertible {
    case connectFailed(url: String, reason: String)
    case operationFailed(operation: String, reason: String)
    case timedOut(subject: String, seconds: Double)
    case noResponders(subject: String)
    case closed

    public var description: String {
        switch self {
        case .connectFailed(let url, let reason):
            "cannot connect to NATS at \(url): \(reason); is nats-server running there? (start one with `nats-server -p 4222`)"
        case .operationFailed(let operation, let reason):
            "NATS \(operation) failed: \(reason)"
        case .timedOut(let subject, let seconds):
            "no reply on \(subject) within \(seconds.formatted()) seconds"
        case .noResponders(let subject):
            "nobody is listening on \(subject)"
        case .closed:
            "the NATS connection is closed"
        }
    }
}

extension Double {
    /// `120` for whole numbers, `0.5` otherwise.
    func formatted() -> String {
        self == rounded() ? String(Int(self)) : String(self)
    }
}
