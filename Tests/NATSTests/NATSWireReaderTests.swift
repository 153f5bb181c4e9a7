@testable import NATS
import Testing

/// The reader of what a NATS server sends, fed the way a socket hands bytes over: in pieces cut
/// anywhere.
@Suite("NATS wire reader")
struct NATSWireReaderTests {
    /// Every operation `text` holds, fed `step` bytes at a time.
    static func operations(_ text: String, step: Int, maxPayload: Int = 1 << 20) throws -> [NATSWireReader.Operation] {
        var reader = NATSWireReader(maxPayload: maxPayload)
        var found: [NATSWireReader.Operation] = []
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + step, bytes.count)
            bytes[offset..<end].withUnsafeBytes { reader.append($0) }
            offset = end
            while let operation = try reader.next() { found.append(operation) }
        }
        return found
    }

    @Test(arguments: [1, 2, 3, 7, 64, 4096])
    func everyOperationIsReadHoweverTheBytesAreCut(step: Int) throws {
        let text = #"INFO {"server_id":"x","headers":true}"# + "\r\n" + "PING\r\n"
            + "MSG log.t 1 5\r\nhello\r\n"
            + "MSG _INBOX.a 2 reply.to 6\r\na\r\nb\r\n\r\n"
            + "HMSG _INBOX.a 2 16 16\r\nNATS/1.0 503\r\n\r\n\r\n"
            + "HMSG _INBOX.a 2 18 20\r\nNATS/1.0\r\nA: b\r\n\r\nhi\r\n"
            + "+OK\r\nPONG\r\n-ERR 'Authorization Violation'\r\n"
        let found = try Self.operations(text, step: step)
        #expect(found == [
            .info(#"{"server_id":"x","headers":true}"#), .ping,
            .message(NATSMessage(subject: "log.t", replyTo: nil, payload: Array("hello".utf8)), sid: 1),
            .message(NATSMessage(subject: "_INBOX.a", replyTo: "reply.to", payload: Array("a\r\nb\r\n".utf8)), sid: 2),
            .message(NATSMessage(subject: "_INBOX.a", replyTo: nil, payload: [], isNoResponders: true), sid: 2),
            .message(NATSMessage(subject: "_INBOX.a", replyTo: nil, payload: Array("hi".utf8)), sid: 2),
            .ok, .pong, .error("Authorization Violation"),
        ])
    }

    @Test(arguments: [
        ("HELLO there\r\n", "an unknown operation HELLO"),
        ("MSG a 1\r\n", "a malformed message line"),
        ("MSG a x 3\r\nabc\r\n", "a malformed message line"),
        ("MSG a 1 3\r\nabcdef\r\n", "a message longer than it said"),
        ("HMSG a 1 9 3\r\nabc\r\n", "a malformed message line"),
        ("MSG a 1 2000000\r\n", "a malformed message line"),
        (String(repeating: "x", count: 5000), "a control line longer than 4 KiB"),
        ("\r\n", "an empty control line"),
    ])
    func whatIsNotNATSIsRefused(text: String, problem: String) {
        #expect(throws: NATSError.operationFailed(operation: "read from the server", reason: "it sent \(problem)")) {
            _ = try Self.operations(text, step: 4096)
        }
    }

    @Test func aMessageWaitsForItsWholePayload() throws {
        var reader = NATSWireReader()
        Array("MSG s 1 10\r\n01234".utf8).withUnsafeBytes { reader.append($0) }
        #expect(try reader.next() == nil)
        Array("56789\r\nPING\r\n".utf8).withUnsafeBytes { reader.append($0) }
        #expect(try reader.next() == .message(NATSMessage(subject: "s", replyTo: nil, payload: Array("0123456789".utf8)), sid: 1))
        #expect(try reader.next() == .ping)
        #expect(try reader.next() == nil)
    }
}
