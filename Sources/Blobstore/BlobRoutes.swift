import Archive
import Foundation
import Hummingbird
import HTTPTypes
import Logging
import PipetteCore
import HTTPServing

/// The HTTP face of `BlobStorage`: PUT, GET, HEAD and DELETE on `/blobs/<key>`, each signed
/// when a secret is set, plus `GET /healthz`.
struct BlobRoutes: Sendable {
    let storage: BlobStorage
    let signer: BlobURLSigner?
    let maxBlobBytes: Int64
    let logger: Logger

    static let checksumHeader = HTTPField.Name("X-Checksum-Sha256")!
    static let prefix = "/blobs/"

    func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: PlainTextErrors(hint: "the blobstore serves /blobs/<key> and /healthz"))
        router.get("/healthz") { _, _ in "ok" }
        router.on("/blobs/**", method: .put) { request, _ in try await put(request) }
        router.on("/blobs/**", method: .get) { request, _ in try await get(request, withBody: true) }
        router.on("/blobs/**", method: .head) { request, _ in try await get(request, withBody: false) }
        router.on("/blobs/**", method: .delete) { request, _ in try await delete(request) }
        return router
    }

    /// Streams the body into `tmp/`, hashing and counting, then renames it into place.
    func put(_ request: Request) async throws -> Response {
        let key = try authorizedKey(request)
        let expected = try expectedChecksum(request)
        let length = request.headers[.contentLength].flatMap(Int64.init)
        if let length, length > maxBlobBytes {
            throw tooLarge("\(length) bytes")
        }
        // A body that cannot fit is refused before a byte of it is written.
        if let length, let free = storage.freeBytes(), length > free {
            throw HTTPServiceError(HTTPServiceError.insufficientStorage,
                                   "No space left on device: the upload (\(ByteCount.format(length))) is larger than the "
                                   + "\(ByteCount.format(free)) free on the server's disk; nothing was stored")
        }
        let upload = try storage.newUpload()
        defer { upload.discard() }
        for try await chunk in request.body {
            guard upload.size + Int64(chunk.readableBytes) <= maxBlobBytes else { throw tooLarge("more bytes") }
            try await upload.write(chunk)
        }
        let written = try await upload.finish()
        if let expected, expected != written.sha256 {
            throw HTTPServiceError(.badRequest, "sha256 mismatch: expected \(expected), got \(written.sha256); nothing was stored")
        }
        try await storage.commit(upload, written, as: key)
        logger.info("stored blob", metadata: ["key": "\(key)", "size": "\(written.size)", "sha256": "\(written.sha256)"])
        let json = try JSONEncoder.sorted.encode(StoredBlob(key: key.value, sha256: written.sha256, size: written.size))
        return Response(status: .created,
                        headers: [.contentType: "application/json", Self.checksumHeader: written.sha256,
                                  .eTag: "\"\(written.sha256)\""],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: json)))
    }

    /// Sends the blob from an open descriptor (HEAD: the same headers, no body).
    func get(_ request: Request, withBody: Bool) async throws -> Response {
        let key = try authorizedKey(request)
        guard let (blob, sha256) = try await storage.open(key) else { throw HTTPServiceError(.notFound, "no blob \(key)") }
        let headers: HTTPFields = [
            .contentType: "application/octet-stream", .contentLength: String(blob.size),
            Self.checksumHeader: sha256, .eTag: "\"\(sha256)\"",
        ]
        return Response(status: .ok, headers: headers, body: withBody ? blob.responseBody : ResponseBody())
    }

    func delete(_ request: Request) async throws -> Response {
        let key = try authorizedKey(request)
        guard try await storage.delete(key) else { throw HTTPServiceError(.notFound, "no blob \(key)") }
        logger.info("deleted blob", metadata: ["key": "\(key)"])
        return Response(status: .noContent)
    }

    /// The request's key, after checking its signature when the store has a secret.
    private func authorizedKey(_ request: Request) throws(HTTPServiceError) -> BlobKey {
        let key = try BlobKey(validating: request.uri.path.dropFirst(Self.prefix.count))
        guard let signer else { return key }
        let query = request.uri.queryParameters
        let expires = query["expires"].map(String.init)
        let signature = query["signature"].map(String.init)
        var verdict = signer.verify(method: request.method.rawValue, key: key.value, expires: expires, signature: signature)
        if verdict == .invalid, request.method == .head {
            // A URL signed for GET may also read the headers alone.
            verdict = signer.verify(method: "GET", key: key.value, expires: expires, signature: signature)
        }
        switch verdict {
        case .valid:
            return key
        case .missing:
            throw HTTPServiceError(.forbidden, "missing signature: sign URLs with the blobstore secret "
                + "(query parameters expires and signature)")
        case .expired:
            let deadline = Date(timeIntervalSince1970: TimeInterval(Int(expires ?? "") ?? 0))
            throw HTTPServiceError(.forbidden, "URL expired at \(deadline.formatted(.iso8601)); ask for a fresh one")
        case .invalid:
            throw HTTPServiceError(.forbidden, "invalid signature for \(request.method.rawValue) \(key): "
                + "it must be made for this method, key and expires with the blobstore secret")
        }
    }

    private func expectedChecksum(_ request: Request) throws(HTTPServiceError) -> String? {
        guard let value = request.headers[Self.checksumHeader] else { return nil }
        let sum = value.trimmingCharacters(in: .whitespaces).lowercased()
        guard sum.count == 64, sum.allSatisfy(\.isHexDigit) else {
            throw HTTPServiceError(.badRequest, "X-Checksum-Sha256 must be 64 hex digits, got \"\(value)\"")
        }
        return sum
    }

    private func tooLarge(_ what: String) -> HTTPServiceError {
        HTTPServiceError(.contentTooLarge, "blob too large: \(what) is over the limit of \(maxBlobBytes) bytes "
            + "(pipette blobstore --max-blob-mb); nothing was stored")
    }
}

/// The 201 answer to a PUT.
struct StoredBlob: Codable, Sendable {
    let key: String
    let sha256: String
    let size: Int64
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
