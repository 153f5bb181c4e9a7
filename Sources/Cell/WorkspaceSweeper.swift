import Staging
import Synchronization

/// Removes the workspaces of finished tasks beside the cell's work, so a task's completion is
/// sent as soon as its droplet is stored rather than after its folder is gone (removing a
/// staging's workspace took 1.5–2 ms of every staging's critical path). A task starting waits
/// for the removals handed over before it (``settled()``), so it never finds the disk still
/// holding a finished one. Bounded: when `capacity` workspaces already wait, or the sweeper has
/// stopped, the caller removes its own.
final class WorkspaceSweeper: Sendable {
    private struct State {
        var queued: [Workspace] = []
        /// A workspace is being removed.
        var busy = false
        var stopped = false
        var waiters: [CheckedContinuation<Void, Never>] = []

        var isSettled: Bool { queued.isEmpty && !busy }
    }

    private let state = Mutex(State())
    private let capacity: Int
    private let wakeUps: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    init(capacity: Int = 16) {
        self.capacity = capacity
        (wakeUps, wake) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Hands `workspace` over for removal, or removes it now when the sweeper is full or stopped.
    func remove(_ workspace: Workspace) {
        let queued = state.withLock { s -> Bool in
            guard !s.stopped, s.queued.count < capacity else { return false }
            s.queued.append(workspace)
            return true
        }
        if queued { wake.yield() } else { workspace.remove() }
    }

    /// Returns once every workspace handed over so far is removed.
    func settled() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { s -> Bool in
                if s.isSettled { return true }
                s.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Removes what is handed over until cancelled, then what is still queued.
    func run() async {
        for await _ in wakeUps { sweep() }
        state.withLock { $0.stopped = true }
        sweep()
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
            waiters.forEach { $0.resume() }
        }
    }
}
