import Foundation
import NIOCore

/// The `multipart/form-data` framing of one file field: what goes before and after its bytes.
struct MultipartFrame: Sendable {
    let boundary = "pipette-\(UUID().uuidString)"
    let head: [UInt8]
    let tail: [UInt8]

    init(field: String, filename: String) {
        head = Array(("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"; filename=\"\(filename)\"\r\n"
            + "Content-Type: application/octet-stream\r\n\r\n").utf8)
        tail = Array("\r\n--\(boundary)--\r\n".utf8)
    }

    /// The bytes the framing adds.
    var length: Int64 { Int64(head.count + tail.count) }

    var contentType: (String, String) { ("Content-Type", "multipart/form-data; boundary=\(boundary)") }

    /// `bytes` framed as this field, in one buffer.
    func framing(_ bytes: ByteBuffer) -> ByteBuffer {
        var framed = ByteBuffer()
        framed.reserveCapacity(head.count + bytes.readableBytes + tail.count)
        framed.writeBytes(head)
        framed.writeImmutableBuffer(bytes)
        framed.writeBytes(tail)
        return framed
    }

    /// `inner` framed as this field.
    func body<Inner: AsyncSequence & Sendable>(_ inner: Inner) -> FramedBody<Inner> {
        FramedBody(prefix: head, inner: inner, suffix: tail)
    }
}
