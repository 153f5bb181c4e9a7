/// When a crashed app instance is restarted: Diego's `RestartCalculator` (bbs `models/actual_lrp.go`).
/// The first `immediateRestarts` crashes restart at once; after that the wait starts at
/// `minBackoff` and doubles per crash up to `maxBackoff`; past `maxRestarts` it is not restarted.
/// An instance that ran `resetAfter` before crashing starts counting again.
/// Defaults are Diego's; tests shorten them.
public struct CrashPolicy: Sendable, Equatable {
    public var immediateRestarts: Int
    /// Seconds.
    public var minBackoff: Double
    /// Seconds.
    public var maxBackoff: Double
    public var maxRestarts: Int
    /// Seconds of running after which the crash count resets.
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

    /// The crash count after a crash, given the count before and how long the instance had been
    /// running (nil when it never became running).
    public func crashCount(previous: Int, runningFor seconds: Double?) -> Int {
        if let seconds, seconds >= resetAfter { return 1 }
        return previous + 1
    }

    /// Seconds to wait after a crash before restarting, or nil when it is not restarted any more.
    public func backoff(crashCount: Int) -> Double? {
        if crashCount < immediateRestarts { return 0 }
        guard crashCount < maxRestarts else { return nil }
        let exponent = min(crashCount - immediateRestarts, maxBackoffCount)
        return min(minBackoff * Double(1 << exponent), maxBackoff)
    }

    /// Whether an instance that crashed at `crashedAt` (unix seconds) with `crashCount` crashes is
    /// restarted at `now`.
    public func shouldRestart(now: Double, crashedAt: Double, crashCount: Int) -> Bool {
        guard let wait = backoff(crashCount: crashCount) else { return false }
        return crashedAt + wait <= now
    }

    /// Diego's `calculateMaxBackoffCount`: the exponent past which the wait stops doubling.
    var maxBackoffCount: Int {
        guard minBackoff > 0 else { return 0 }
        let steps = (maxBackoff / minBackoff).rounded(.up)
        return steps >= 1 ? Int(steps.exponent) : 0
    }
}
