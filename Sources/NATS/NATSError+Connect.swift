import CNATS
import Foundation

extension NATSError {
    /// What a failed `natsConnection_Connect` means, from its status and libnats' last error
    /// text (read on the thread that connected): a TLS or credentials refusal gets its own case.
    static func connectFailure(url: String, status: natsStatus, lastError: String?, options: NATSOptions) -> NATSError {
        // "(conn.c:733): SSL handshake error: 20:unable to get local issuer certificate:…" → "20:unable to…"
        let detail = lastError.map(Self.withoutSourceLocation) ?? statusText(status)
        let tls = options.wantsTLS(url)
        switch status {
        case NATS_CONNECTION_AUTH_FAILED, NATS_NOT_PERMITTED:
            return .authorizationViolation(url: url)
        case NATS_SECURE_CONNECTION_WANTED:
            return .tlsNotOffered(url: url)
        case NATS_SECURE_CONNECTION_REQUIRED:
            return .untrustedCertificate(url: url, caFile: nil, detail: "the server requires TLS")
        case NATS_SSL_ERROR:
            let reason = detail.replacingOccurrences(of: "SSL handshake error: ", with: "")
            if reason.contains("has expired") || reason.contains("not yet valid") {
                return .expiredCertificate(url: url, detail: reason)
            }
            if reason.contains("hostname mismatch") || reason.contains("IP address mismatch") {
                return .certificateNameMismatch(url: url, detail: reason)
            }
            if reason.contains("issuer") || reason.contains("self-signed") || reason.contains("self signed")
                || reason.contains("unable to verify") || reason.contains("certificate signature failure") {
                return .untrustedCertificate(url: url, caFile: options.tlsCAFile, detail: reason)
            }
            return .tlsFailed(url: url, detail: reason)
        case NATS_PROTOCOL_ERROR, NATS_IO_ERROR:
            // Over TLS, the server hung up right after the handshake: it wanted a client
            // certificate it trusts.
            return tls ? .tlsRejected(url: url, detail: detail) : .connectFailed(url: url, reason: detail)
        default:
            return .connectFailed(url: url, reason: statusText(status))
        }
    }

    /// The CA, certificate and key files given, checked before connecting: each readable.
    static func checkTLSFiles(_ options: NATSOptions) throws(NATSError) {
        let files: [(String?, TLSFile)] = [(options.tlsCAFile, .ca), (options.tlsCertificateFile, .certificate),
                                           (options.tlsKeyFile, .key)]
        for case let (path?, what) in files where !FileManager.default.isReadableFile(atPath: path) {
            let reason = FileManager.default.fileExists(atPath: path) ? "it cannot be read (permissions)" : "there is no such file"
            throw .badTLSFile(path: path, what: what, reason: reason)
        }
        if (options.tlsCertificateFile == nil) != (options.tlsKeyFile == nil) {
            throw .badTLSFile(path: options.tlsCertificateFile ?? options.tlsKeyFile ?? "", what: .certificate,
                              reason: "a client certificate needs its key and a key its certificate: give both")
        }
    }

    static func withoutSourceLocation(_ text: String) -> String {
        guard text.hasPrefix("("), let close = text.range(of: "): ") else { return text }
        return String(text[close.upperBound...])
    }

    /// A refusal the server's side can mend while a service waits (a new certificate, a user
    /// added, TLS turned on or off): services retry these; commands report them at once.
    public var isServerRefusal: Bool {
        switch self {
        case .untrustedCertificate, .expiredCertificate, .certificateNameMismatch, .tlsNotOffered, .tlsRejected,
             .tlsFailed, .authorizationViolation: true
        default: false
        }
    }

    /// No server answered at all (yet).
    public var isNoServer: Bool {
        guard case .connectFailed(_, let reason) = self else { return false }
        return reason.contains("No server available")
    }

    /// What a service waiting to connect logs with this error.
    public var waitNote: String {
        isServerRefusal ? "NATS refuses this connection; retrying until that is mended" : "waiting for NATS (up to 30 s)"
    }
}
