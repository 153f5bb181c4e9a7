import CSpawn
import Dispatch
import Foundation
import Staging
import Synchronization

/// Removes the workspaces of finished tasks beside the cell's work, so a task's completion is
/// sent as soon as its droplet is stored rather than after its folder is gone (removing a
/// staging's workspace took 1.5–2 ms of every staging's critical path). A task starting waits
/// for the removals handed over before it (``settled()``), so it never finds the disk still
/// holding a finished one. Bounded: when `capacity` workspaces already wait, or the sweeper has
/// stopped, the caller removes its own.
///
/// Removing is blocking file work: it runs on a thread of its own at a lower priority (nice
/// `backgroundNice`), so it neither holds one of the few threads of Swift's pool nor takes a core
/// from the next messages of the staging that just ended (its completion, the stager's reply);
/// while a task waits in `settled()`, the thread runs at normal priority.
final class WorkspaceSweeper: Sendable {
    private struct State {
        var queued: [Workspace] = []
        /// A workspace is being removed.
        var busy = false
        var stopped = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        /// The sweeping thread, once it runs (for its priority).
        var thread: pid_t?

        var isSettled: Bool { queued.isEmpty && !busy }
    }

    /// The sweeping thread's nice value while nobody waits for it.
    static let backgroundNice: Int32 = 10

    private let state = Mutex(State())
    private let capacity: Int
    private let work = DispatchSemaphore(value: 0)

    init(capacity: Int = 16) {
        self.capacity = capacity
    }

    /// Hands `workspace` over for removal, or removes it now when the sweeper is full or stopped.
    func remove(_ workspace: Workspace) {
        let queued = state.withLock { s -> Bool in
            guard !s.stopped, s.queued.count < capacity else { return false }
            s.queued.append(workspace)
            return true
        }
        if queued { work.signal() } else { workspace.remove() }
    }

    /// Returns once every workspace handed over so far is removed.
    func settled() async {
        await withCheckedContinuation { continuation in
            let (now, thread) = state.withLock { s -> (Bool, pid_t?) in
                if s.isSettled { return (true, nil) }
                s.waiters.append(continuation)
                return (false, s.thread)
            }
            if now { continuation.resume() }
            // Someone waits: at normal priority until it is done (a root cell may raise it).
            if let thread { setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(thread), 0) }
        }
    }

    /// Removes what is handed over until cancelled, then what is still queued.
    func run() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
                let thread = Thread { [self] in
                    Thread.current.name = "pipette.sweeper"
                    let me = pipette_thread_id()
                    setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(me), Self.backgroundNice)
                    state.withLock { $0.thread = me }
                    while true {
                        work.wait()
                        let stopping = state.withLock { $0.stopped }
                        sweep()
                        if stopping { break }
                    }
                    state.withLock { $0.thread = nil }
                    finished.resume()
                }
                thread.start()
            }
        } onCancel: {
            state.withLock { $0.stopped = true }
            work.signal()
        }
    }

    private func sweep() {
        while let next = state.withLock({ s -> Workspace? in
            guard !s.queued.isEmpty else { return nil }
            s.busy = true
            return s.queued.removeFirst()
        }) {
            next.remove()
            let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
                s.busy = false
                guard s.isSettled else { return [] }
                defer { s.waiters = [] }
                return s.waiters
            }
            if !waiters.isEmpty { setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(pipette_thread_id()), Self.backgroundNice) }
            waiters.forEach { $0.resume() }
        }
    }
}
