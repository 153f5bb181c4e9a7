/// Asking HAProxy again until it answers: its master re-executes itself on each reload, and its
/// sockets and worker come and go meanwhile.
enum Poll {
    /// Calls `attempt` now and then every `interval` until it gives a value; nil once `deadline`
    /// has passed or the task is cancelled.
    /// Runs on the caller's actor (`isolation`), so `attempt` may use its state.
    static func until<T>(_ deadline: ContinuousClock.Instant, every interval: Duration = .milliseconds(50),
                         isolation: isolated (any Actor)? = #isolation, _ attempt: () -> T?) async -> T? {
        while true {
            if let value = attempt() { return value }
            guard ContinuousClock.now < deadline, (try? await Task.sleep(for: interval)) != nil else { return nil }
        }
    }
}
