import PipetteCore
import Testing

/// Diego's restart calculator cases, ported from cloudfoundry/bbs `models/actual_lrp_test.go`
/// (`Describe("RestartCalculator")` and `Describe("ShouldRestartCrash")`) and the crash-count
/// cases of `db/sqldb/actual_lrp_db_test.go` (`CrashActualLRP`).
@Suite("Crash policy (Diego's RestartCalculator)")
struct CrashPolicyTests {
    /// `testBackoffCount(maxBackoffDuration, expectedBackoffCount)`, with Diego's 30 s minimum.
    @Test(arguments: [(20 * 60.0, 5), (16 * 60.0, 5), (8 * 60.0, 4), (119.0, 2), (120.0, 2), (30.0, 0)])
    func maxBackoffCountFollowsTheMaximumWait(maxBackoff: Double, expected: Int) {
        #expect(CrashPolicy(maxBackoff: maxBackoff).maxBackoffCount == expected)
    }

    /// `It("should work...")` with `NewRestartCalculator(3, 119*time.Second, 200)`.
    @Test func shouldWork() {
        let policy = CrashPolicy(immediateRestarts: 3, maxBackoff: 119, maxRestarts: 200)
        #expect(policy.shouldRestart(now: 0, crashedAt: 0, crashCount: 0))
        #expect(policy.shouldRestart(now: 0, crashedAt: 0, crashCount: 1))
        #expect(policy.shouldRestart(now: 0, crashedAt: 0, crashCount: 2))

        #expect(!policy.shouldRestart(now: 0, crashedAt: 0, crashCount: 3))
        #expect(policy.shouldRestart(now: 30, crashedAt: 0, crashCount: 3))

        #expect(!policy.shouldRestart(now: 30, crashedAt: 0, crashCount: 4))
        #expect(!policy.shouldRestart(now: 59, crashedAt: 0, crashCount: 4))
        #expect(policy.shouldRestart(now: 60, crashedAt: 0, crashCount: 4))
        #expect(!policy.shouldRestart(now: 60, crashedAt: 0, crashCount: 5))
        #expect(!policy.shouldRestart(now: 118, crashedAt: 0, crashCount: 5))
        #expect(policy.shouldRestart(now: 119, crashedAt: 0, crashCount: 5))
    }

    /// `Validate`: the defaults are valid; a maximum below the minimum is not.
    @Test func validation() {
        #expect(CrashPolicy.diego.problem == nil)
        #expect(CrashPolicy(maxBackoff: 29).problem != nil)
    }

    static let now = 1_800_000_000.0

    /// `newCrashInfoAlwaysStartTest`: counts 0–2 restart whatever the time.
    @Test(arguments: [0, 1, 2])
    func firstCrashesRestartRegardlessOfTheWait(crashCount: Int) {
        let policy = CrashPolicy.diego
        for now in [0, Self.now, Self.now + 3600] {
            #expect(policy.shouldRestart(now: now, crashedAt: Self.now, crashCount: crashCount))
        }
    }

    /// `newCrashInfoBackoffTest(count, now, wait)`: not a second before the wait, at it yes.
    @Test(arguments: [(3, 30.0), (7, 8 * 60.0), (8, 16 * 60.0), (199, 16 * 60.0)])
    func laterCrashesWaitTheirBackoff(crashCount: Int, wait: Double) {
        let policy = CrashPolicy.diego
        #expect(!policy.shouldRestart(now: Self.now + wait - 1, crashedAt: Self.now, crashCount: crashCount))
        #expect(policy.shouldRestart(now: Self.now + wait, crashedAt: Self.now, crashCount: crashCount))
        #expect(policy.restartTime(crashedAt: Self.now, crashCount: crashCount) == Self.now + wait)
    }

    /// `newCrashInfoNeverStartTest`: from `DefaultMaxRestarts` on, never.
    @Test(arguments: [200, 201])
    func pastMaxRestartsNeverRestarts(crashCount: Int) {
        let policy = CrashPolicy.diego
        for now in [0, Self.now, Self.now + 3600] {
            #expect(!policy.shouldRestart(now: now, crashedAt: Self.now, crashCount: crashCount))
        }
        #expect(policy.restartTime(crashedAt: Self.now, crashCount: crashCount) == nil)
    }

    /// `CrashActualLRP`: a crash adds one, unless the instance had been RUNNING for more than
    /// `CrashResetTimeout` (then the count is 1); an instance that never ran keeps counting.
    @Test func crashCountResetsOnlyAfterRunningLongerThanTheResetTimeout() {
        let policy = CrashPolicy.diego
        #expect(policy.crashCount(previous: 0, runningFor: 1) == 1)
        #expect(policy.crashCount(previous: 3 + 1, runningFor: 10) == 3 + 2, "DefaultImmediateRestarts+1 → +2")
        #expect(policy.crashCount(previous: 3 + 1, runningFor: 5 * 60 + 1) == 1, "resets the crash count to 1")
        #expect(policy.crashCount(previous: 3 + 1, runningFor: 5 * 60) == 3 + 2, "exactly the timeout is not more than it")
        #expect(policy.crashCount(previous: 3 + 2, runningFor: nil) == 3 + 3, "CLAIMED (never running) never resets")
        #expect(policy.crashCount(previous: 3 - 2, runningFor: nil) == 3 - 1)
    }
}
