import Foundation
import NIOCore
import HTTPServing

/// Picks one field out of a `multipart/form-data` body fed chunk by chunk, so a large file part
/// goes straight to disk instead of memory; other fields are skipped. Delimiters are found with
/// memchr/memcmp, which keeps it fast even in debug builds (MultipartKit's byte-at-a-time
/// `MultipartParser` managed about 1 MB/s there, too slow for droplets).
final class MultipartFieldReader {
    private enum Phase {
        /// Before the first delimiter.
        case preamble
        /// Just after a delimiter: `--` ends the body, otherwise the line ends and headers follow.
        case delimiterLine
        case headers
        case content(isField: Bool)
        case epilogue
    }

    let field: String
    /// The field's part started (its headers were read).
    private(set) var sawField = false
    /// The field's part ended with a delimiter.
    private(set) var fieldComplete = false
    /// The closing delimiter (`--boundary--`) was read.
    private(set) var finished = false

    /// `CRLF--boundary`; the body starts with a virtual CRLF so the first one matches too.
    private let delimiter: [UInt8]
    private var buffer = ByteBuffer(bytes: [13, 10])
    private var phase = Phase.preamble

    static let maxHeaderBytes = 16 << 10
    private static let crlf: [UInt8] = [13, 10]
    private static let headersEnd: [UInt8] = [13, 10, 13, 10]

    init(boundary: String, field: String) {
        self.field = field
        delimiter = Array("\r\n--\(boundary)".utf8)
    }

    /// Parses `chunk`; returns the bytes of the field found so far (slices, maybe none).
    func feed(_ chunk: ByteBuffer) throws(HTTPServiceError) -> [ByteBuffer] {
        buffer.discardReadBytes()
        var chunk = chunk
        buffer.writeBuffer(&chunk)
        var found: [ByteBuffer] = []
        while true {
            switch phase {
            case .preamble:
                guard let at = find(delimiter) else {
                    skip(max(0, buffer.readableBytes - delimiter.count + 1))
                    return found
                }
                skip(at + delimiter.count)
                phase = .delimiterLine
            case .delimiterLine:
                guard buffer.readableBytes >= 2 else { return found }
                if buffer.readableBytesView.starts(with: [45, 45]) {  // "--"
                    finished = true
                    phase = .epilogue
                    continue
                }
                guard let at = find(Self.crlf) else {
                    if buffer.readableBytes > 1024 { throw malformed("no line end after a boundary") }
                    return found
                }
                skip(at + 2)
                phase = .headers
            case .headers:
                if buffer.readableBytesView.starts(with: Self.crlf) {
                    skip(2)
                    phase = .content(isField: false)  // a part without headers has no name
                    continue
                }
                guard let at = find(Self.headersEnd) else {
                    if buffer.readableBytes > Self.maxHeaderBytes { throw malformed("part headers longer than \(Self.maxHeaderBytes) bytes") }
                    return found
                }
                let headers = buffer.readString(length: at) ?? ""
                skip(4)
                let isField = !fieldComplete && Self.partName(headers) == field
                if isField { sawField = true }
                phase = .content(isField: isField)
            case .content(let isField):
                guard let at = find(delimiter) else {
                    let safe = buffer.readableBytes - (delimiter.count - 1)  // a delimiter may start in the tail
                    if safe > 0 { take(safe, keep: isField, into: &found) }
                    return found
                }
                take(at, keep: isField, into: &found)
                skip(delimiter.count)
                if isField { fieldComplete = true }
                phase = .delimiterLine
            case .epilogue:
                buffer.moveReaderIndex(to: buffer.writerIndex)
                return found
            }
        }
    }

    /// The boundary from a `multipart/form-data; boundary=…` content type.
    static func boundary(contentType: String?) throws(HTTPServiceError) -> String {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data"),
              let boundary = parameter("boundary", in: contentType), !boundary.isEmpty else {
            throw HTTPServiceError(.badRequest, "expected a multipart/form-data body with a boundary, "
                + "got Content-Type \(contentType.map { "\"\($0)\"" } ?? "none")")
        }
        return boundary
    }

    /// `name` from `form-data; name="upload[droplet]"; filename="x.tgz"` (quotes removed).
    static func parameter(_ name: String, in header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == name else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }

    /// The form field name in a part's header block.
    private static func partName(_ headers: String) -> String? {
        for line in headers.split(separator: "\r\n") {
            let pair = line.split(separator: ":", maxSplits: 1)
            if pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "content-disposition" {
                return parameter("name", in: String(pair[1]))
            }
        }
        return nil
    }

    private func malformed(_ why: String) -> HTTPServiceError {
        HTTPServiceError(.badRequest, "malformed multipart/form-data body: \(why)")
    }

    private func skip(_ count: Int) { buffer.moveReaderIndex(forwardBy: count) }

    private func take(_ count: Int, keep: Bool, into found: inout [ByteBuffer]) {
        guard count > 0 else { return }
        if keep, let slice = buffer.readSlice(length: count) { found.append(slice) } else { skip(count) }
    }

    /// Offset of `needle` in the unread bytes: memchr for its first byte, memcmp for the rest.
    private func find(_ needle: [UInt8]) -> Int? {
        buffer.withUnsafeReadableBytes { haystack -> Int? in
            guard let base = haystack.baseAddress, haystack.count >= needle.count else { return nil }
            let last = haystack.count - needle.count
            var start = 0
            while start <= last {
                guard let hit = memchr(base + start, Int32(needle[0]), last - start + 1) else { return nil }
                let offset = base.distance(to: UnsafeRawPointer(hit))
                if memcmp(hit, needle, needle.count) == 0 { return offset }
                start = offset + 1
            }
            return nil
        }
    }
}
