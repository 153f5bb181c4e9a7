/// A message on the bus that is not what its subject promises.
public struct WireError: Error, Sendable, CustomStringConvertible {
    public let expected: String
    public let reason: String

    public var description: String { "malformed \(expected) message: \(reason)" }
}
