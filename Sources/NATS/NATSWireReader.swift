/// Reads what a NATS server sends a client (the text protocol: `INFO`, `MSG`, `HMSG`, `PING`,
/// `PONG`, `+OK`, `-ERR`) from bytes as they arrive, however they are split. Plain values, no I/O:
/// ``PlainNATSRequest`` feeds it from a socket.
struct NATSWireReader {
    /// One protocol operation from the server.
    enum Operation: Equatable, Sendable {
        /// The server's `INFO` JSON.
        case info(String)
        /// A message for the subscription `sid`.
        case message(NATSMessage, sid: Int)
        case ping
        case pong
        case ok
        /// `-ERR`, with the server's text (quotes removed).
        case error(String)
    }

    /// A control line longer than this is not NATS (the server's own limit is 4 KiB).
    static let maxControlLine = 4096

    private var buffer: [UInt8] = []
    private var start = 0
    /// The largest message accepted (the server's `max_payload`, once known).
    var maxPayload: Int

    init(maxPayload: Int = 64 << 20) { self.maxPayload = maxPayload }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if start > 0, start == buffer.count || start >= 64 << 10 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next whole operation, or nil until more bytes arrive. Throws on what is not NATS.
    mutating func next() throws(NATSError) -> Operation? {
        guard let end = lineEnd() else {
            if buffer.count - start > Self.maxControlLine { throw Self.notNATS("a control line longer than 4 KiB") }
            return nil
        }
        let line = buffer[start..<end]
        let words = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true)
        guard let verb = words.first.map({ String(decoding: $0, as: UTF8.self).uppercased() }) else {
            throw Self.notNATS("an empty control line")
        }
        let afterLine = end + 2
        switch verb {
        case "PING": start = afterLine; return .ping
        case "PONG": start = afterLine; return .pong
        case "+OK": start = afterLine; return .ok
        case "INFO", "-ERR":
            var text = String(decoding: line.dropFirst(verb.utf8.count), as: UTF8.self)
            text = String(text.drop { $0 == " " })
            start = afterLine
            if verb == "INFO" { return .info(text) }
            if text.hasPrefix("'"), text.hasSuffix("'"), text.count >= 2 { text = String(text.dropFirst().dropLast()) }
            return .error(text)
        case "MSG", "HMSG":
            return try message(words.dropFirst().map { String(decoding: $0, as: UTF8.self) }, headed: verb == "HMSG",
                               payloadStart: afterLine)
        default:
            throw Self.notNATS("an unknown operation \(verb.prefix(16))")
        }
    }

    /// `MSG subject sid [reply] size` or `HMSG subject sid [reply] header-size total-size`, and
    /// its payload once it has all arrived.
    private mutating func message(_ fields: [String], headed: Bool, payloadStart: Int) throws(NATSError) -> Operation? {
        let counts = headed ? 2 : 1
        guard fields.count == 2 + counts || fields.count == 3 + counts, let sid = Int(fields[1]),
              let total = Int(fields[fields.count - 1]), total >= 0, total <= maxPayload else {
            throw Self.notNATS("a malformed message line")
        }
        let headerSize = headed ? Int(fields[fields.count - 2]) ?? -1 : 0
        guard headerSize >= 0, headerSize <= total else { throw Self.notNATS("a malformed message line") }
        guard buffer.count >= payloadStart + total + 2 else { return nil }
        guard buffer[payloadStart + total] == UInt8(ascii: "\r"), buffer[payloadStart + total + 1] == UInt8(ascii: "\n") else {
            throw Self.notNATS("a message longer than it said")
        }
        let headers = buffer[payloadStart..<(payloadStart + headerSize)]
        let payload = Array(buffer[(payloadStart + headerSize)..<(payloadStart + total)])
        start = payloadStart + total + 2
        let noResponders = headed && payload.isEmpty && Self.status(of: headers) == "503"
        let replyTo = fields.count == 3 + counts ? fields[2] : nil
        return .message(NATSMessage(subject: fields[0], replyTo: replyTo, payload: payload, isNoResponders: noResponders), sid: sid)
    }

    /// The status code of a header block (`NATS/1.0 503` …), if it has one.
    private static func status(of headers: ArraySlice<UInt8>) -> String? {
        let first = headers.split(separator: UInt8(ascii: "\r"), maxSplits: 1).first ?? []
        let words = first.split(separator: UInt8(ascii: " "))
        guard words.count >= 2, words[0].elementsEqual("NATS/1.0".utf8) else { return nil }
        return String(decoding: words[1], as: UTF8.self)
    }

    /// Where the control line starting at `start` ends (the index of its `\r\n`).
    private func lineEnd() -> Int? {
        var index = start
        while index + 1 < buffer.count {
            if buffer[index] == UInt8(ascii: "\r"), buffer[index + 1] == UInt8(ascii: "\n") { return index }
            index += 1
        }
        return nil
    }

    private static func notNATS(_ what: String) -> NATSError {
        .operationFailed(operation: "read from the server", reason: "it sent \(what)")
    }
}
