import Dispatch
import Foundation
import Synchronization

/// Threads for libnats' blocking calls (connect, flush, JetStream requests), kept after a call
/// and reused: starting a thread per call was a measurable part of a staging (four per staging,
/// each a clone, an 8 MB stack mapping and its release). A call takes an idle thread or starts
/// one, so there are never more threads than calls in flight and nothing ever queues; at most
/// `maxIdle` wait for work, each for at most `keepAlive`.
final class BlockingThreads: Sendable {
    static let shared = BlockingThreads(maxIdle: 4, keepAlive: .seconds(10))

    let maxIdle: Int
    let keepAlive: Duration
    private let idle = Mutex<[Worker]>([])

    init(maxIdle: Int, keepAlive: Duration) {
        self.maxIdle = maxIdle
        self.keepAlive = keepAlive
    }

    /// How many threads wait for work now (for tests).
    var idleCount: Int { idle.withLock { $0.count } }

    /// Runs `job` on an idle thread, or on a new one.
    func run(_ job: @escaping @Sendable () -> Void) {
        if let worker = idle.withLock({ $0.popLast() }) {
            worker.hand(job)
            return
        }
        let worker = Worker()
        let thread = Thread { [self] in loop(worker, first: job) }
        thread.name = "pipette.nats.blocking"
        thread.start()
    }

    private func loop(_ worker: Worker, first: @escaping @Sendable () -> Void) {
        var job = first
        while true {
            job()
            let parked = idle.withLock { workers -> Bool in
                guard workers.count < maxIdle else { return false }
                workers.append(worker)
                return true
            }
            guard parked else { return }
            if let next = worker.take(within: keepAlive) {
                job = next
                continue
            }
            // Timed out: leave, unless a caller took this thread from the list meanwhile (its
            // job is then on the way).
            let stillIdle = idle.withLock { workers -> Bool in
                guard let index = workers.firstIndex(where: { $0 === worker }) else { return false }
                workers.remove(at: index)
                return true
            }
            if stillIdle { return }
            job = worker.take(within: nil)!
        }
    }

    /// One thread's mailbox: a single job slot and a semaphore.
    private final class Worker: Sendable {
        private let slot = Mutex<(@Sendable () -> Void)?>(nil)
        private let ready = DispatchSemaphore(value: 0)

        func hand(_ job: @escaping @Sendable () -> Void) {
            slot.withLock { $0 = job }
            ready.signal()
        }

        /// The next job, or nil when none came within `limit` (nil: wait as long as it takes).
        func take(within limit: Duration?) -> (@Sendable () -> Void)? {
            if let limit {
                let nanoseconds = Int(limit.components.seconds) * 1_000_000_000 + Int(limit.components.attoseconds / 1_000_000_000)
                guard ready.wait(timeout: .now() + .nanoseconds(nanoseconds)) == .success else { return nil }
            } else {
                ready.wait()
            }
            return slot.withLock { job in
                defer { job = nil }
                return job
            }
        }
    }
}
