extension NATSConnection {
    /// `request`, asking again while nobody is subscribed to `subject`, paced by ``RespondersWait``
    /// until `grace` has passed. Nobody received a request that met no responders, so asking again
    /// cannot get it acted on twice; a timeout is thrown at once (it may have been).
    /// `payload` is made anew for each ask; `onWaiting` is called once, at the first refusal that
    /// is waited on (never when `grace` is zero: then it asks once).
    public func request<Payload: Collection<UInt8>>(
        _ subject: String, timeout: Duration, waitingForRespondersUpTo grace: Duration,
        onWaiting: () -> Void = {}, payload: () -> Payload
    ) async throws(NATSError) -> NATSMessage {
        var wait = RespondersWait(grace: grace)
        while true {
            do {
                return try await request(subject, payload(), timeout: timeout)
            } catch .noResponders(let subject) {
                let first = wait.isFirst
                guard let pause = wait.next() else { throw .noResponders(subject: subject) }
                if first { onWaiting() }
                guard (try? await Task.sleep(for: pause)) != nil else { throw .noResponders(subject: subject) }
            }
        }
    }
}
