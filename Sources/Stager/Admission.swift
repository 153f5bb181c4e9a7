import Synchronization

/// Counts tasks staging or waiting, decided on the NATS delivery thread: a request is admitted
/// only while fewer than `capacity` are in, so "busy" answers are exact, never racy.
final class Admission: Sendable {
    private let state: Mutex<Int>
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        state = Mutex(0)
    }

    func tryEnter() -> Bool {
        state.withLock { count in
            guard count < capacity else { return false }
            count += 1
            return true
        }
    }

    /// Returns how many are left in.
    @discardableResult
    func leave() -> Int { state.withLock { $0 -= 1; return $0 } }

    var count: Int { state.withLock { $0 } }
}
