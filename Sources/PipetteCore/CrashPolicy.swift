/// When a crashed app instance is restarted: Diego's `RestartCalculator`
/// (cloudfoundry/bbs `models/restart_calculator.go`, used by `ActualLRP.ShouldRestartCrash` in
/// `models/actual_lrp.go`), and how the crash count moves (`SQLDB.CrashActualLRP` in
/// `db/sqldb/actual_lrp_db.go`, with `models.CrashResetTimeout`).
///
/// - The first `immediateRestarts` crashes (counts 0, 1, 2) restart at once.
/// - Below `maxRestarts` the wait is `minBackoff × 2^(count − immediateRestarts)`, the exponent
///   capped at ``maxBackoffCount``, the wait capped at `maxBackoff`.
/// - From `maxRestarts` on it is not restarted.
/// - A crash of an instance that had been *running* for more than `resetAfter` sets the count to 1;
///   any other crash adds one.
///
/// Defaults are Diego's (its `CrashBackoffMinDuration` is a constant; here `minBackoff` can be
/// shortened for tests).
public struct CrashPolicy: Sendable, Equatable, Codable {
    /// Diego's `DefaultImmediateRestarts`.
    public var immediateRestarts: Int
    /// Seconds; Diego's `CrashBackoffMinDuration`.
    public var minBackoff: Double
    /// Seconds; Diego's `DefaultMaxBackoffDuration`.
    public var maxBackoff: Double
    /// Diego's `DefaultMaxRestarts`.
    public var maxRestarts: Int
    /// Seconds of running after which a crash counts as the first again; Diego's `CrashResetTimeout`.
    public var resetAfter: Double

    public init(immediateRestarts: Int = 3, minBackoff: Double = 30, maxBackoff: Double = 16 * 60,
                maxRestarts: Int = 200, resetAfter: Double = 5 * 60) {
        self.immediateRestarts = immediateRestarts
        self.minBackoff = minBackoff
        self.maxBackoff = maxBackoff
        self.maxRestarts = maxRestarts
        self.resetAfter = resetAfter
    }

    public static let diego = CrashPolicy()

    /// Why the policy cannot be used, or nil (Diego's `RestartCalculator.Validate`, plus positive
    /// values, which Diego's constants have).
    public var problem: String? {
        if minBackoff <= 0 { return "the minimum crash backoff must be more than 0 seconds" }
        if maxBackoff < minBackoff {
            return "the maximum crash backoff (\(maxBackoff) s) must be at least the minimum (\(minBackoff) s)"
        }
        if immediateRestarts < 0 || maxRestarts < 0 { return "restart counts must not be negative" }
        if resetAfter < 0 { return "the crash count reset time must not be negative" }
        return nil
    }

    /// The crash count after a crash, given the count before and how long the instance had been
    /// running (nil when it never became running). Diego: `since` more than `CrashResetTimeout` ago
    /// and state RUNNING ⇒ 1, else count + 1.
    public func crashCount(previous: Int, runningFor seconds: Double?) -> Int {
        if let seconds, seconds > resetAfter { return 1 }
        return previous + 1
    }

    /// Seconds to wait after a crash before restarting, or nil when it is not restarted any more.
    public func backoff(crashCount: Int) -> Double? {
        if crashCount < immediateRestarts { return 0 }
        guard crashCount < maxRestarts else { return nil }
        let exponent = min(crashCount - immediateRestarts, maxBackoffCount)
        return min(minBackoff * Double(1 << exponent), maxBackoff)
    }

    /// Unix seconds from when an instance that crashed at `crashedAt` with `crashCount` crashes may
    /// be restarted, or nil when it never will.
    public func restartTime(crashedAt: Double, crashCount: Int) -> Double? {
        backoff(crashCount: crashCount).map { $0 == 0 ? -Double.infinity : crashedAt + $0 }
    }

    /// Diego's `RestartCalculator.ShouldRestart(now, crashedAt, crashCount)`: whether an instance
    /// that crashed at `crashedAt` (unix seconds) with `crashCount` crashes is restarted at `now`.
    public func shouldRestart(now: Double, crashedAt: Double, crashCount: Int) -> Bool {
        guard let time = restartTime(crashedAt: crashedAt, crashCount: crashCount) else { return false }
        return time <= now
    }

    /// Diego's `calculateMaxBackoffCount`: `Logb(Ceil(maxBackoff / minBackoff))`, the exponent past
    /// which the wait stops doubling.
    public var maxBackoffCount: Int {
        guard minBackoff > 0 else { return 0 }
        let steps = (maxBackoff / minBackoff).rounded(.up)
        return steps >= 1 ? Int(steps.exponent) : 0
    }

    enum CodingKeys: String, CodingKey {
        case immediateRestarts = "immediate_restarts"
        case minBackoff = "min_backoff_seconds"
        case maxBackoff = "max_backoff_seconds"
        case maxRestarts = "max_restarts"
        case resetAfter = "reset_after_seconds"
    }
}
