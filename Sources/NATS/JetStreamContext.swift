import CNATS

/// Owns a libnats JetStream context (`jsCtx`), shared by what uses it (a bucket, a stream and its
/// readers), and says how a JetStream call failed.
final class JetStreamContext: Sendable {
    let address: UInt

    /// A context on the connection at `connection` (a `natsConnection` address); blocks briefly.
    /// `timeout` bounds each JetStream call (nil: libnats' 5 s).
    init(connection: Int, timeout: Duration? = nil) throws(NATSError) {
        var js: OpaquePointer?
        var options = jsOptions()
        jsOptions_Init(&options)
        if let timeout { options.Wait = timeout.milliseconds }
        let status = natsConnection_JetStream(&js, OpaquePointer(bitPattern: connection), &options)
        guard status == NATS_OK, let js else { throw .jetStreamUnavailable(reason: statusText(status)) }
        address = UInt(bitPattern: Int(bitPattern: js))
    }

    var pointer: OpaquePointer { OpaquePointer(bitPattern: address)! }

    /// The error for a failed `operation`: "JetStream not available" (with the fix) when the server
    /// has none, otherwise libnats' own reason.
    static func failure(_ status: natsStatus, _ operation: String) -> NATSError {
        let reason = lastErrorText() ?? statusText(status)
        if status == NATS_NO_RESPONDERS || status == NATS_TIMEOUT || reason.localizedCaseInsensitiveContains("jetstream not enabled") {
            return .jetStreamUnavailable(reason: reason)
        }
        return .operationFailed(operation: operation, reason: reason)
    }

    deinit { jsCtx_Destroy(OpaquePointer(bitPattern: address)) }
}
