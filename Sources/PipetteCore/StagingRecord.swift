import Foundation

/// What the stagers of a queue group share about one `task_id` (a value in the `staging` KV
/// bucket): who is staging it and until when, or the reply it got. This makes staging
/// idempotent by task id: a duplicate of a running task joins it, a duplicate of a finished one
/// gets the recorded reply.
public struct StagingRecord: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable {
        case running, finished
    }

    public var state: State
    /// The stager staging it (its NATS client name), for `running`.
    public var stager: String
    /// sha256 of the request's canonical fields: a second request with the same id but other
    /// contents is refused, not joined.
    public var fingerprint: String
    /// Unix seconds after which a `running` record is abandoned (its stager died) and may be taken over.
    public var deadline: Int
    public var reply: StagingReply?

    public init(state: State, stager: String, fingerprint: String, deadline: Int, reply: StagingReply? = nil) {
        self.state = state
        self.stager = stager
        self.fingerprint = fingerprint
        self.deadline = deadline
        self.reply = reply
    }
}
