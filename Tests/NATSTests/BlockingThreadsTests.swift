import Foundation
@testable import NATS
import Synchronization
import Testing
import TestSupport

/// The threads libnats' blocking calls run on: reused after a call, never a queue (every call
/// in flight has a thread of its own), and the idle ones leave after a while.
@Suite("NATS blocking threads")
struct BlockingThreadsTests {
    /// Runs `body` on `threads` and returns the thread it ran on.
    func threadID(of threads: BlockingThreads) async -> UInt64 {
        await withCheckedContinuation { continuation in
            threads.run { continuation.resume(returning: UInt64(pthread_self())) }
        }
    }

    @Test func aThreadIsReusedForTheNextCall() async throws {
        let threads = BlockingThreads(maxIdle: 2, keepAlive: .seconds(30))
        let first = await threadID(of: threads)
        // The thread parks itself just after resuming its caller.
        #expect(await eventually { threads.idleCount == 1 })
        let second = await threadID(of: threads)
        #expect(first == second)
    }

    @Test func callsInFlightEachHaveAThreadAndAtMostMaxIdleStayAfter() async throws {
        let threads = BlockingThreads(maxIdle: 2, keepAlive: .seconds(2))
        let started = Atomic<Int>(0)
        let release = DispatchSemaphore(value: 0)
        let finished = Atomic<Int>(0)
        for _ in 0..<3 {
            threads.run {
                started.add(1, ordering: .sequentiallyConsistent)
                release.wait()
                finished.add(1, ordering: .sequentiallyConsistent)
            }
        }
        // All three block at once: none waits behind another.
        #expect(await eventually { started.load(ordering: .sequentiallyConsistent) == 3 })
        for _ in 0..<3 { release.signal() }
        #expect(await eventually { finished.load(ordering: .sequentiallyConsistent) == 3 })
        #expect(await eventually { threads.idleCount == 2 })
        // Idle past keepAlive: they leave. (It is long enough that a loaded machine still sees
        // them parked first: at 300 ms a run with the suites in parallel missed it.)
        #expect(await eventually { threads.idleCount == 0 })
    }
}
