/// A crashed app instance the converger leaves crashed for now: waiting on its crash backoff
/// (`restartAt`), or given up on past the policy's `maxRestarts` (`restartAt` nil).
public struct RestartWait: Codable, Sendable, Equatable {
    public var app: String
    public var index: Int
    public var crashCount: Int
    /// Unix seconds when it may be restarted; nil: it will not be (too many crashes).
    public var restartAt: Double?
    /// The cell's reason for the last crash.
    public var lastCrashReason: String?

    public init(app: String, index: Int, crashCount: Int, restartAt: Double?, lastCrashReason: String?) {
        self.app = app
        self.index = index
        self.crashCount = crashCount
        self.restartAt = restartAt
        self.lastCrashReason = lastCrashReason
    }

    enum CodingKeys: String, CodingKey {
        case app, index
        case crashCount = "crash_count"
        case restartAt = "restart_at"
        case lastCrashReason = "last_crash_reason"
    }
}
