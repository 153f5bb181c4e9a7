import Synchronization

/// Calls `done` once, when `tick` has been called `count` times.
final class Countdown: Sendable {
    private let remaining: Mutex<Int>
    private let done: @Sendable () -> Void

    init(_ count: Int, done: @escaping @Sendable () -> Void) {
        remaining = Mutex(count)
        self.done = done
    }

    @Sendable func tick() {
        let now = remaining.withLock { value in
            value -= 1
            return value
        }
        if now == 0 { done() }
    }
}
