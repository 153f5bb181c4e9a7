extension NATSConnection {
    /// `request`, asking again while nobody is subscribed to `subject`, pausing 0.1 s and doubling
    /// up to 1 s, until `grace` has passed: the responder may be reconnecting after its NATS node
    /// was lost, or still starting. Nobody received a request that met no responders, so asking
    /// again cannot get it acted on twice; a timeout is thrown at once (it may have been).
    /// `payload` is made anew for each ask; `onWaiting` is called once, at the first refusal.
    public func request<Payload: Collection<UInt8>>(
        _ subject: String, timeout: Duration, waitingForRespondersUpTo grace: Duration,
        onWaiting: () -> Void = {}, payload: () -> Payload
    ) async throws(NATSError) -> NATSMessage {
        let clock = ContinuousClock()
        let first = clock.now
        var pause = Duration.milliseconds(100)
        while true {
            do {
                return try await request(subject, payload(), timeout: timeout)
            } catch .noResponders(let subject) {
                guard clock.now - first + pause < grace else { throw .noResponders(subject: subject) }
                if pause == .milliseconds(100) { onWaiting() }
                guard (try? await Task.sleep(for: pause)) != nil else { throw .noResponders(subject: subject) }
                pause = min(pause * 2, .seconds(1))
            }
        }
    }
}
