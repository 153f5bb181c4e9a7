/// What the auctioneer publishes on a waiting Task's `<events>.waiting` subject whenever its
/// place in the queue changes: how many Tasks for the same stack are ahead of it.
public struct PlacementWait: Codable, Sendable, Equatable {
    public var stack: String
    public var ahead: Int
    /// Why it waits: the placement error of its last try.
    public var reason: String

    public init(stack: String, ahead: Int, reason: String) {
        self.stack = stack
        self.ahead = ahead
        self.reason = reason
    }

    /// The live log line: `Waiting for a cell with tiny-amd64: 3 ahead (…)`.
    public var logLine: String {
        "Waiting for a cell with \(stack): \(ahead) ahead (\(reason))"
    }
}
