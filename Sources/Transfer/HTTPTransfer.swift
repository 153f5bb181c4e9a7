import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Streamed HTTP transfers on the shared AsyncHTTPClient: downloads to disk with a size limit
/// and a deadline, uploads from disk, multipart form posts with retries.
public struct HTTPTransfer: Sendable {
    public struct Response: Sendable {
        public let status: Int
        public let body: String
    }

    let client: HTTPClient
    /// The client's idle timeout, for the error that says a server stopped answering.
    let stallTimeout: Duration

    /// How long an open connection may move no bytes either way before the transfer fails: a
    /// hung server is said to be hung after this, instead of when the whole staging runs out.
    public static let stallTimeout: Duration = .seconds(30)

    /// A transfer on `client`, which was made with `stallTimeout` as its idle timeout.
    public init(client: HTTPClient = HTTPTransfer.sharedClient, stallTimeout: Duration = HTTPTransfer.stallTimeout) {
        self.client = client
        self.stallTimeout = stallTimeout
    }

    /// One client for the process, trusting the CA in `$PIPETTE_CA_FILE` besides the system's.
    public static let sharedClient = makeClient(extraCAFile: ProcessInfo.processInfo.environment["PIPETTE_CA_FILE"]
        .flatMap { $0.isEmpty ? nil : $0 })

    /// A client for HTTP and HTTPS; https servers' certificates are verified (names included)
    /// against the system's roots and `extraCAFile`. Failed connects are not retried inside the
    /// client (which would hide "connection refused" until the deadline); callers retry what is
    /// transient. Whoever makes one (but the shared) shuts it down.
    public static func makeClient(extraCAFile: String?, stallTimeout: Duration = HTTPTransfer.stallTimeout) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(10)
        configuration.timeout.read = .nanoseconds(stallTimeout.nanoseconds)
        configuration.timeout.write = .nanoseconds(stallTimeout.nanoseconds)
        if let extraCAFile {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.additionalTrustRoots = [.file(extraCAFile)]
            configuration.tlsConfiguration = tls
        }
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// A problem with `$PIPETTE_CA_FILE` (unreadable, no certificate in it), said so a service
    /// can refuse to start instead of failing every HTTPS transfer.
    public static func extraCAProblem(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        guard let file = environment["PIPETTE_CA_FILE"], !file.isEmpty else { return nil }
        do {
            if try NIOSSLCertificate.fromPEMFile(file).isEmpty { return "PIPETTE_CA_FILE \(file) holds no PEM certificate" }
            return nil
        } catch {
            return "cannot use PIPETTE_CA_FILE \(file) (\(error)); set it to a readable PEM file of the CA that signed the servers' certificates"
        }
    }

    /// Downloads `url` into `file`, refusing more than `limit` bytes; returns the bytes written.
    /// Connection failures and 5xx answers are tried again, three times in all; a failing local
    /// disk is not (it says so: "cannot write the app package to local disk: …"). On failure no
    /// partial file is left. `what` names the file in errors (its file name when nil).
    public func download(_ url: String, to file: URL, what: String? = nil, limit: Int64, timeout: Duration,
                         attempts: Int = 3, firstBackoff: Duration = .milliseconds(200),
                         onRetry: @Sendable (TransferError, Int) -> Void = { _, _ in }) async throws(TransferError) -> Int64 {
        let what = what ?? file.lastPathComponent
        do {
            return try await retrying(attempts: attempts, firstBackoff: firstBackoff, onRetry: onRetry) { () throws(TransferError) in
                try await downloadOnce(url, to: file, what: what, limit: limit, timeout: timeout)
            }
        } catch {
            unlink(file.path)
            throw error
        }
    }

    private func downloadOnce(_ url: String, to file: URL, what: String, limit: Int64,
                              timeout: Duration) async throws(TransferError) -> Int64 {
        try await withDeadline(url, timeout) {
            let response = try await client.execute(HTTPClientRequest(url: url), timeout: .nanoseconds(timeout.nanoseconds))
            guard (200..<300).contains(response.status.code) else {
                throw TransferError.httpStatus(code: Int(response.status.code), url: url,
                                               message: response.status.code >= 500 ? await Self.message(of: response) : nil)
            }
            if let length = response.headers.first(name: "content-length").flatMap(Int64.init), length > limit {
                throw TransferError.tooLarge(url: url, limitBytes: limit)
            }
            let output = try LocalFile(creating: file.path, what: what)
            var written: Int64 = 0
            for try await buffer in response.body {
                written += Int64(buffer.readableBytes)
                if written > limit { throw TransferError.tooLarge(url: url, limitBytes: limit) }
                try buffer.withUnsafeReadableBytes { bytes throws(TransferError) in try output.write(bytes) }
            }
            try output.close()
            return written
        }
    }

    /// Sends `file` as the whole body of a PUT (or other method) request, streamed. Connection
    /// failures and transient 5xx answers are retried with exponential backoff (a blobstore
    /// restarting is back within seconds), `attempts` times in all.
    public func upload(_ file: URL, to url: String, method: HTTPMethod = .PUT,
                       headers: [(String, String)] = [], attempts: Int = 5,
                       firstBackoff: Duration = .milliseconds(200), timeout: Duration,
                       onRetry: @Sendable (TransferError, Int) -> Void = { _, _ in }) async throws(TransferError) -> Response {
        let file = FileChunks(path: file.path, what: file.lastPathComponent)
        return try await retrying(attempts: attempts, firstBackoff: firstBackoff, onRetry: onRetry) { () throws(TransferError) in
            let length = try file.length()
            if length <= Self.smallBodyBytes {
                return try await send(.bytes(try file.whole()), to: url, method: method, headers: headers, timeout: timeout)
            }
            return try await send(file, length: length, to: url, method: method, headers: headers, timeout: timeout)
        }
    }

    /// POSTs `file` as `multipart/form-data` field `field` (e.g. `upload[droplet]`), streamed.
    /// 5xx answers and connection errors are retried with exponential backoff.
    public func postMultipart(_ file: URL, field: String, filename: String, to url: String,
                              attempts: Int = 5, firstBackoff: Duration = .milliseconds(200),
                              timeout: Duration, onRetry: @Sendable (TransferError, Int) -> Void = { _, _ in })
        async throws(TransferError) -> Response {
        let frame = MultipartFrame(field: field, filename: filename)
        let file = FileChunks(path: file.path, what: file.lastPathComponent)
        return try await retrying(attempts: attempts, firstBackoff: firstBackoff, onRetry: onRetry) { () throws(TransferError) in
            let length = try file.length()
            if length <= Self.smallBodyBytes {
                return try await send(.bytes(frame.framing(try file.whole())), to: url, method: .POST,
                                      headers: [frame.contentType], timeout: timeout)
            }
            return try await send(frame.body(file), length: length + frame.length, to: url, method: .POST,
                                  headers: [frame.contentType], timeout: timeout)
        }
    }

    /// DELETEs `url`; true when it was deleted, false when it was not there (404).
    public func delete(_ url: String, timeout: Duration) async throws(TransferError) -> Bool {
        try await withDeadline(url, timeout) {
            var request = HTTPClientRequest(url: url)
            request.method = .DELETE
            let response = try await client.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
            _ = try await response.body.collect(upTo: 1 << 16)
            if response.status.code == 404 { return false }
            guard (200..<300).contains(response.status.code) else {
                throw TransferError.httpStatus(code: Int(response.status.code), url: url, message: nil)
            }
            return true
        }
    }

    /// A body up to this size is read whole and sent with its request head in one write, not
    /// streamed (a stream is pulled by another task: about a millisecond between head and body).
    static let smallBodyBytes: Int64 = 64 * 1024

    /// Sends `body` (`length` bytes, streamed) and collects the answer; a status other than 2xx
    /// is an error.
    func send<Body: AsyncSequence & Sendable>(_ body: Body, length: Int64, to url: String, method: HTTPMethod,
                                              headers: [(String, String)], timeout: Duration) async throws(TransferError) -> Response
        where Body.Element == ByteBuffer {
        try await send(.stream(body, length: .known(length)), to: url, method: method, headers: headers, timeout: timeout)
    }

    /// Sends `body` and collects the answer; a status other than 2xx is an error.
    func send(_ body: HTTPClientRequest.Body, to url: String, method: HTTPMethod,
              headers: [(String, String)], timeout: Duration) async throws(TransferError) -> Response {
        try await withDeadline(url, timeout) {
            var request = HTTPClientRequest(url: url)
            request.method = method
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            request.body = body
            let response = try await client.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
            let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
            guard (200..<300).contains(response.status.code) else {
                let plain = response.status.code >= 500
                    && response.headers.first(name: "content-type")?.hasPrefix("text/plain") == true
                throw TransferError.httpStatus(code: Int(response.status.code), url: url,
                                               message: plain ? Self.firstLine(text) : nil)
            }
            return Response(status: Int(response.status.code), body: text)
        }
    }

    /// Runs `body` at most `attempts` times while it fails transiently, doubling the pause.
    func retrying<T: Sendable>(attempts: Int, firstBackoff: Duration, onRetry: @Sendable (TransferError, Int) -> Void,
                               _ body: () async throws(TransferError) -> T) async throws(TransferError) -> T {
        try await retrying(attempts: attempts, firstBackoff: firstBackoff, onRetry: onRetry, cause: { $0 }, body)
    }

    /// The same for a body failing with another error: `cause` gives the transfer failure in it
    /// (nil: nothing another try could mend).
    func retrying<T: Sendable, Failure: Error>(attempts: Int, firstBackoff: Duration,
                                               onRetry: @Sendable (TransferError, Int) -> Void,
                                               cause: (Failure) -> TransferError?,
                                               _ body: () async throws(Failure) -> T) async throws(Failure) -> T {
        var backoff = firstBackoff
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch {
                guard let transfer = cause(error), transfer.isTransient, attempt < attempts else { throw error }
                onRetry(transfer, attempt)
                try? await Task.sleep(for: backoff)
                backoff *= 2
                attempt += 1
            }
        }
    }

    /// Bounds a whole transfer (head and body) by `timeout` and maps errors to `TransferError`.
    private func withDeadline<T: Sendable>(_ url: String, _ timeout: Duration,
                                           _ body: @escaping @Sendable () async throws -> T) async throws(TransferError) -> T {
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? "") else { throw .invalidURL(url) }
        do {
            return try await withThrowingTaskGroup(of: T.self) { group in
                group.addTask { try await body() }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw TransferError.timedOut(url: url, seconds: Int(timeout.components.seconds))
                }
                defer { group.cancelAll() }
                return try await group.next()!
            }
        } catch {
            throw transferError(error, url: url, timeout: timeout)
        }
    }

    /// What went wrong in a transfer of `url`, said as a `TransferError`.
    func transferError(_ error: any Error, url: String, timeout: Duration) -> TransferError {
        switch error {
        case let error as TransferError: error
        case let error as HTTPClientError where error == .readTimeout || error == .writeTimeout:
            .stalled(url: url, seconds: Int(stallTimeout.components.seconds))
        case let error as HTTPClientError where error == .deadlineExceeded:
            .timedOut(url: url, seconds: Int(timeout.components.seconds))
        default:
            Self.tlsFailure(error, url: url) ?? .unreachable(url: url, reason: Self.reason(error))
        }
    }

    /// The first line of a plain-text error answer (the services' sentences), bounded.
    static func message(of response: HTTPClientResponse) async -> String? {
        guard response.headers.first(name: "content-type")?.hasPrefix("text/plain") == true else { return nil }
        var bytes = ByteBuffer()
        do {
            for try await var chunk in response.body {
                bytes.writeBuffer(&chunk)
                if bytes.readableBytes >= 4096 { break }
            }
        } catch {
            return nil
        }
        return firstLine(String(buffer: bytes))
    }

    static func firstLine(_ text: String) -> String? {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let clean = String(line.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.prefix(300))
        return clean.isEmpty ? nil : clean
    }

    /// What a TLS error means for `url`: an untrusted or misnamed certificate, or no TLS at all.
    static func tlsFailure(_ error: any Error, url: String) -> TransferError? {
        if let connection = error as? NIOConnectionError, let first = connection.connectionErrors.first {
            return tlsFailure(first.error, url: url)
        }
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return .certificateNameMismatch(url: url)
        }
        guard let ssl = error as? NIOSSLError else { return nil }
        guard case .handshakeFailed(let failure) = ssl else { return .tlsFailed(url: url, reason: "\(ssl)") }
        let text = "\(failure)"
        if text.contains("CERTIFICATE_VERIFY_FAILED") { return .untrustedCertificate(url: url) }
        if text.contains("WRONG_VERSION_NUMBER") || text.contains("PACKET_LENGTH_TOO_LONG") {
            return .tlsFailed(url: url, reason: "the server does not speak TLS; is it an http:// URL?")
        }
        return .tlsFailed(url: url, reason: text)
    }

    /// "connection refused" rather than NIO's full error dump.
    static func reason(_ error: any Error) -> String {
        if let connection = error as? NIOConnectionError, let first = connection.connectionErrors.first {
            return reason(first.error)
        }
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)).lowercased() }
        return "\(error)"
    }
}

extension Duration {
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
