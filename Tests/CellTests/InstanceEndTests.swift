@testable import Cell
import Testing

/// Why an instance ended, once its container is gone: running out of memory explains any crash,
/// a failed health check included (CI saw the kernel kill the checker, status 137, instead of the
/// app, and the instance's crash was reported as a failed health check); a stop stays a stop.
@Suite("Instance ends")
struct InstanceEndTests {
    @Test func runningOutOfMemoryExplainsAnyCrashButNotAStop() {
        let unhealthy = InstanceExecutor.End.crashed(reason: "health check failed: healthcheck exited with status 137")
        func settled(_ outcome: InstanceExecutor.End?, oom: Int) -> InstanceExecutor.End {
            InstanceSupervisor.settled(outcome, otherwise: "exit status 3", oomKills: { oom })
        }
        #expect(settled(nil, oom: 0) == .crashed(reason: "exit status 3"))
        #expect(settled(nil, oom: 1) == .crashed(reason: "killed: out of memory"))
        #expect(settled(unhealthy, oom: 1) == .crashed(reason: "killed: out of memory"))
        #expect(settled(unhealthy, oom: 0) == unhealthy)
        #expect(settled(.stopped, oom: 1) == .stopped)
    }
}
