import CNATS

/// Turns a libnats status into a thrown `NATSError` naming the operation.
func check(_ status: natsStatus, _ operation: @autoclosure () -> String) throws(NATSError) {
    guard status != NATS_OK else { return }
    if status == NATS_CONNECTION_CLOSED { throw .closed }
    throw .operationFailed(operation: operation(), reason: statusText(status))
}

func statusText(_ status: natsStatus) -> String {
    String(cString: natsStatus_GetText(status))
}

extension NATSMessage {
    /// Copies a libnats message (which the caller still owns and must destroy).
    init(copying msg: OpaquePointer) {
        let length = Int(natsMsg_GetDataLength(msg))
        let payload: [UInt8] = length == 0 ? [] : natsMsg_GetData(msg)!.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
        self.init(subject: String(cString: natsMsg_GetSubject(msg)),
                  replyTo: natsMsg_GetReply(msg).map { String(cString: $0) },
                  payload: payload,
                  isNoResponders: natsMsg_IsNoResponders(msg))
    }
}
