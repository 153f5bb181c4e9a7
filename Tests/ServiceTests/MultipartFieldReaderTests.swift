@testable import FakeCC
import HTTPServing
import NIOCore
import Testing

@Suite("Streaming multipart field reader")
struct MultipartFieldReaderTests {
    static let boundary = "pipette-b0undary"
    /// Content full of near-delimiters (a real one never occurs inside a part): the reader must
    /// not cut the part at any of them.
    static let content = "start\r\n--pipette-b0undar\r\n-\r\r\n--\r\n--pipette-b0undarX\n--pipette-b0undary\r\r\n--pipette-b0undaend"
    static let body = "preamble to ignore\r\n--\(boundary)\r\n"
        + "Content-Disposition: form-data; name=\"note\"\r\n\r\nnot this one\r\n--\(boundary)\r\n"
        + "content-disposition: form-data; name=\"upload[droplet]\"; filename=\"droplet.tgz\"\r\n"
        + "Content-Type: application/octet-stream\r\n\r\n\(content)\r\n--\(boundary)--\r\nepilogue"

    @Test(arguments: [1, 2, 3, 7, 19, 64, 4096])
    func findsTheFieldWhateverTheChunking(chunkSize: Int) throws {
        let reader = MultipartFieldReader(boundary: Self.boundary, field: "upload[droplet]")
        let bytes = Array(Self.body.utf8)
        var received: [UInt8] = []
        for start in stride(from: 0, to: bytes.count, by: chunkSize) {
            for piece in try reader.feed(ByteBuffer(bytes: bytes[start..<min(start + chunkSize, bytes.count)])) {
                received += piece.readableBytesView
            }
        }
        #expect(String(decoding: received, as: UTF8.self) == Self.content)
        #expect(reader.sawField && reader.fieldComplete && reader.finished)
    }

    @Test func reportsAMissingOrTruncatedField() throws {
        let other = MultipartFieldReader(boundary: Self.boundary, field: "upload[other]")
        _ = try other.feed(ByteBuffer(string: Self.body))
        #expect(!other.sawField && other.finished)

        let truncated = MultipartFieldReader(boundary: Self.boundary, field: "upload[droplet]")
        _ = try truncated.feed(ByteBuffer(string: String(Self.body.prefix(Self.body.count - 40))))
        #expect(truncated.sawField && !truncated.fieldComplete)
    }

    @Test func boundaryComesFromTheContentType() throws {
        #expect(try MultipartFieldReader.boundary(contentType: "multipart/form-data; boundary=abc") == "abc")
        #expect(try MultipartFieldReader.boundary(contentType: "Multipart/Form-Data; charset=utf-8; boundary=\"a b\"") == "a b")
        #expect(throws: HTTPServiceError.self) { try MultipartFieldReader.boundary(contentType: "application/json") }
        #expect(throws: HTTPServiceError.self) { try MultipartFieldReader.boundary(contentType: nil) }
    }
}
