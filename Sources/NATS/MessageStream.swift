import CNATS
import Foundation

/// A JetStream stream kept with limits (age, bytes), so what was published on its subjects can be
/// replayed later as well as followed live (Pipette's logs). Owns its `jsCtx`.
public final class MessageStream: Sendable {
    public let name: String
    private let connection: NATSConnection
    private let js: JetStreamContext

    private init(name: String, connection: NATSConnection, js: JetStreamContext) {
        self.name = name
        self.connection = connection
        self.js = js
    }

    /// Creates stream `name` over `subjects` (or binds to it when it exists).
    /// - Parameters:
    ///   - maxAge: messages older than this are dropped (zero: no age limit).
    ///   - maxBytes: the oldest messages are dropped past this size.
    ///   - replicas: copies kept in a JetStream cluster (nil: ``NATSConnection/defaultReplicas``).
    public static func ensure(_ connection: NATSConnection, name: String, subjects: [String], maxAge: Duration,
                              maxBytes: Int64, replicas: Int? = nil) async throws(NATSError) -> MessageStream {
        let address = connection.address
        let replicas = replicas ?? connection.defaultReplicas
        let context = try await Blocking.run { () throws(NATSError) -> JetStreamContext in
            let context = try JetStreamContext(connection: address)
            let js = context.pointer
            var config = jsStreamConfig()
            jsStreamConfig_Init(&config)
            var subjectPointers = subjects.map { UnsafePointer(strdup($0)) }
            defer { subjectPointers.forEach { free(UnsafeMutablePointer(mutating: $0)) } }
            var info: UnsafeMutablePointer<jsStreamInfo>?
            var errorCode = jsErrCode(0)
            let added = name.withCString { streamName in
                subjectPointers.withUnsafeMutableBufferPointer { buffer in
                    config.Name = streamName
                    config.Subjects = buffer.baseAddress
                    config.SubjectsLen = Int32(buffer.count)
                    config.MaxAge = maxAge.milliseconds * 1_000_000
                    config.MaxBytes = maxBytes
                    config.Storage = js_FileStorage
                    config.Discard = js_DiscardOld
                    config.Replicas = Int64(replicas)
                    return js_AddStream(&info, js, &config, nil, &errorCode)
                }
            }
            if let info { jsStreamInfo_Destroy(info) }
            // An existing stream of that name (perhaps with other limits) is used as it is.
            if added != NATS_OK, errorCode != JSStreamNameExistErr { throw JetStreamContext.failure(added, "create stream \(name)") }
            return context
        }
        return MessageStream(name: name, connection: connection, js: context)
    }

    /// Reads the messages on `filter` (a subject, wildcards allowed) in order: from the first one
    /// kept, or (`onlyNew`) from now on.
    public func reader(filter: String, onlyNew: Bool = false) async throws(NATSError) -> MessageStreamReader {
        let js = self.js.address
        let pointer = try await Blocking.run { () throws(NATSError) -> UInt in
            var options = jsSubOptions()
            jsSubOptions_Init(&options)
            options.Ordered = true
            options.Config.DeliverPolicy = onlyNew ? js_DeliverNew : js_DeliverAll
            var sub: OpaquePointer?
            var errorCode = jsErrCode(0)
            let status = filter.withCString { subject in
                js_SubscribeSync(&sub, OpaquePointer(bitPattern: js), subject, nil, &options, &errorCode)
            }
            guard status == NATS_OK, let sub else {
                throw .operationFailed(operation: "read stream on \(filter)", reason: lastErrorText() ?? statusText(status))
            }
            return UInt(bitPattern: Int(bitPattern: sub))
        }
        return MessageStreamReader(subscription: pointer, context: self.js, connection: connection.handle)
    }
}

/// Reads a stream's messages in order (an ordered consumer); each call to ``next(upTo:wait:)``
/// returns what has arrived, so a reader knows when it has caught up.
public final class MessageStreamReader: @unchecked Sendable {
    /// One stored message and how many more were already waiting behind it.
    public struct Message: Sendable {
        public let subject: String
        public let payload: [UInt8]
        /// Messages still to come that were stored when this one was delivered: 0 means caught up.
        public let pending: UInt64
    }

    private let subscription: UInt
    /// Keeps the JetStream context alive as long as the subscription.
    private let context: JetStreamContext
    /// Destroys the subscription once libnats' reader is done with it.
    private let connection: ConnectionHandle

    init(subscription: UInt, context: JetStreamContext, connection: ConnectionHandle) {
        self.subscription = subscription
        self.context = context
        self.connection = connection
    }

    /// Up to `limit` messages; waits up to `wait` for the first one (nil: none arrived in time).
    public func next(upTo limit: Int = 256, wait: Duration) async throws(NATSError) -> [Message] {
        let sub = subscription
        return try await Blocking.run { () throws(NATSError) -> [Message] in
            var messages: [Message] = []
            var timeout = wait.milliseconds
            while messages.count < limit {
                var msg: OpaquePointer?
                let status = natsSubscription_NextMsg(&msg, OpaquePointer(bitPattern: sub), timeout)
                if status == NATS_TIMEOUT { break }
                try check(status, "read stream")
                guard let msg else { break }
                defer { natsMsg_Destroy(msg) }
                var meta: UnsafeMutablePointer<jsMsgMetaData>?
                let pending = natsMsg_GetMetaData(&meta, msg) == NATS_OK ? (meta?.pointee.NumPending ?? 0) : 0
                if let meta { jsMsgMetaData_Destroy(meta) }
                let copied = NATSMessage(copying: msg)
                messages.append(Message(subject: copied.subject, payload: copied.payload, pending: pending))
                if pending == 0 { break }
                timeout = 1
            }
            return messages
        }
    }

    /// Destroyed only after libnats' reader is done with it (``ConnectionHandle/retire(_:)``).
    deinit { connection.retire(OpaquePointer(bitPattern: subscription)!) }
}
