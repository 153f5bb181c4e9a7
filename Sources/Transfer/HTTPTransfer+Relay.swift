import Archive
import AsyncHTTPClient
import Foundation
import NIOCore

extension HTTPTransfer {
    /// Copies the body of a GET of `source` into a `multipart/form-data` POST to `destination`
    /// (field `field`, file name `filename`), streamed: no file on this host's disk, never the
    /// whole body in memory, and the POST under way while the GET still reads. The bytes are
    /// hashed on the way and the last of them held back until they are known to be `expected`
    /// (sha256 and size): a mismatch aborts the POST before its end, so the destination never gets
    /// a whole wrong body. Without a `destination` the source is only read and checked.
    /// Connection failures and 5xx answers on either side are tried again from the GET,
    /// `attempts` times in all.
    public func relayMultipart(from source: String, expected: ArchiveDigest, field: String, filename: String,
                               to destination: String?, attempts: Int = 5, firstBackoff: Duration = .milliseconds(200),
                               timeout: Duration, onRetry: @Sendable (TransferError, Int) -> Void = { _, _ in })
        async throws(RelayError) {
        try await retrying(attempts: attempts, firstBackoff: firstBackoff, onRetry: onRetry, cause: { (error: RelayError) in
            switch error {
            case .source(let cause), .destination(let cause): cause
            case .mismatch: nil
            }
        }) { () throws(RelayError) in
            try await relayOnce(from: source, expected: expected, field: field, filename: filename, to: destination,
                                timeout: timeout)
        }
    }

    private func relayOnce(from source: String, expected: ArchiveDigest, field: String, filename: String,
                           to destination: String?, timeout: Duration) async throws(RelayError) {
        let response: HTTPClientResponse
        do {
            response = try await open(source, timeout: timeout)
        } catch {
            throw .source(error)
        }
        // Without a destination the body is only checked; a small one is read and checked whole,
        // then posted with its head in one write.
        guard let destination else {
            _ = try await readChecked(response, from: source, expected: expected, keeping: 0, timeout: timeout)
            return
        }
        let frame = MultipartFrame(field: field, filename: filename)
        if expected.size <= Self.smallBodyBytes {
            let bytes = try await readChecked(response, from: source, expected: expected, keeping: Int(expected.size),
                                              timeout: timeout)
            do {
                _ = try await send(.bytes(frame.framing(bytes)), to: destination, method: .POST,
                                   headers: [frame.contentType], timeout: timeout)
            } catch {
                throw .destination(error)
            }
            return
        }
        let failure = RelayFailure()
        let body = CheckedBody(source: response.body, describe: { transferError($0, url: source, timeout: timeout) },
                               expected: expected, failure: failure)
        do {
            _ = try await send(frame.body(body), length: expected.size + frame.length, to: destination, method: .POST,
                               headers: [frame.contentType], timeout: timeout)
        } catch {
            throw failure.error ?? .destination(error)
        }
        if let error = failure.error { throw error }
    }

    /// Reads `response`'s whole body, checking it is `expected`; returns its first `keeping` bytes
    /// (beyond the size expected it is a mismatch: hashed to say so, not kept).
    private func readChecked(_ response: HTTPClientResponse, from source: String, expected: ArchiveDigest, keeping: Int,
                             timeout: Duration) async throws(RelayError) -> ByteBuffer {
        var digest = RunningDigest()
        var bytes = ByteBuffer()
        do {
            for try await chunk in response.body {
                chunk.withUnsafeReadableBytes { digest.update($0) }
                if bytes.readableBytes + chunk.readableBytes <= keeping { bytes.writeImmutableBuffer(chunk) }
            }
        } catch {
            throw .source(transferError(error, url: source, timeout: timeout))
        }
        let got = digest.finish()
        guard got == expected else { throw .mismatch(got: got) }
        return bytes
    }

    /// The answer to a GET of `url` whose status is 2xx, its body still to be read.
    private func open(_ url: String, timeout: Duration) async throws(TransferError) -> HTTPClientResponse {
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? "") else { throw .invalidURL(url) }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(HTTPClientRequest(url: url), timeout: .nanoseconds(timeout.nanoseconds))
        } catch {
            throw transferError(error, url: url, timeout: timeout)
        }
        guard (200..<300).contains(response.status.code) else {
            throw .httpStatus(code: Int(response.status.code), url: url,
                              message: response.status.code >= 500 ? await Self.message(of: response) : nil)
        }
        return response
    }
}
