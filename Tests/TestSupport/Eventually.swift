/// Polls `condition` every 50 ms until it holds or `timeout` passes; true when it held. For
/// tests that wait on other components without fixed sleeps.
public func eventually(within timeout: Duration = .seconds(10),
                       _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try await condition() { return true }
        if ContinuousClock.now >= deadline { return false }
        try? await Task.sleep(for: .milliseconds(50))
    }
}
