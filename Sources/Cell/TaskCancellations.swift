import PipetteCore
import Synchronization

/// Lets a stager stop a task it gave up on: `run` races the task against `cancel(id)`, and a
/// cancelled task's Swift task is cancelled (which kills its container).
final class TaskCancellations: Sendable {
    private struct Entry {
        var cancelled = false
        var waiter: CheckedContinuation<Bool, Never>?
    }

    private let entries = Mutex<[String: Entry]>([:])

    func run(_ id: String, _ body: @escaping @Sendable () async -> TaskCompletion,
             onCancel: @escaping @Sendable () -> TaskCompletion) async -> TaskCompletion {
        entries.withLock { $0[id] = Entry() }
        defer { _ = entries.withLock { $0.removeValue(forKey: id) } }
        return await withTaskGroup(of: TaskCompletion?.self) { group in
            group.addTask { await body() }
            group.addTask { await self.cancellation(of: id) ? onCancel() : nil }
            while let result = await group.next() {
                if let result {
                    group.cancelAll()
                    return result
                }
            }
            return onCancel()
        }
    }

    /// Asks the task `id` to stop; unknown or finished tasks are ignored.
    func cancel(_ id: String) {
        let waiter = entries.withLock { e -> CheckedContinuation<Bool, Never>? in
            guard var entry = e[id] else { return nil }
            entry.cancelled = true
            defer { entry.waiter = nil; e[id] = entry }
            return entry.waiter
        }
        waiter?.resume(returning: true)
    }

    /// True when `cancel(id)` was called; false when the waiting itself was cancelled.
    private func cancellation(of id: String) async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now: Bool? = entries.withLock { e in
                    if e[id]?.cancelled == true { return true }
                    if Task.isCancelled { return false }
                    e[id, default: Entry()].waiter = continuation
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            let waiter = entries.withLock { e -> CheckedContinuation<Bool, Never>? in
                defer { e[id]?.waiter = nil }
                return e[id]?.waiter
            }
            waiter?.resume(returning: false)
        }
    }
}
