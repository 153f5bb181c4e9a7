/// A failed NATS operation, with libnats' reason and what to try.
public enum NATSError: Error, Equatable, Sendable, CustomStringConvertible {
    case connectFailed(url: String, reason: String)
    /// Not a NATS server's URL (another scheme, no host, a bad port): said before trying.
    case invalidURL(problem: String)
    case operationFailed(operation: String, reason: String)
    case timedOut(subject: String, seconds: Double)
    case noResponders(subject: String)
    case closed
    /// libnats itself cannot be loaded (not installed, or another version).
    case libraryMissing(reason: String)
    /// The server has no JetStream (nats-server was started without `-js`).
    case jetStreamUnavailable(reason: String)
    /// A subject Pipette refuses to send: it would break the connection (see `NATSConnection.publish`).
    case invalidSubject(subject: String, problem: String)
    /// The nkey seed file given cannot be used.
    case badNKeyFile(path: String, reason: String)
    /// The server's certificate is not signed by a CA this client trusts (`caFile`, or none given).
    case untrustedCertificate(url: String, caFile: String?, detail: String)
    /// The server's certificate has expired (or is not valid yet).
    case expiredCertificate(url: String, detail: String)
    /// The server's certificate does not name the host of the URL.
    case certificateNameMismatch(url: String, detail: String)
    /// This client requires TLS; the server does not offer it.
    case tlsNotOffered(url: String)
    /// The server closed the connection during or right after TLS setup (it verifies clients).
    case tlsRejected(url: String, detail: String)
    /// Another TLS failure, with OpenSSL's words.
    case tlsFailed(url: String, detail: String)
    /// The server refused the user/password, token or nkey ("Authorization Violation").
    case authorizationViolation(url: String)
    /// A CA, certificate or key file given cannot be used: not the server's fault, no retry mends it.
    case badTLSFile(path: String, what: TLSFile, reason: String)

    /// The TLS files a connection may be given, with the settings that name them.
    public enum TLSFile: String, Sendable, Equatable {
        case ca = "CA file"
        case certificate = "client certificate"
        case key = "client key"

        /// Where a user sets it.
        var settings: String {
            switch self {
            case .ca: "--nats-ca, PIPETTE_NATS_CA or nats_ca_file"
            case .certificate: "--nats-cert, PIPETTE_NATS_CERT or nats_cert_file"
            case .key: "--nats-key, PIPETTE_NATS_KEY or nats_key_file"
            }
        }
    }

    public var description: String {
        switch self {
        case .connectFailed(let url, let reason):
            "cannot connect to NATS at \(NATSURL.redacted(url)): \(reason); is nats-server running there? (start one with `nats-server -p 4222`)"
        case .libraryMissing(let reason):
            reason
        case .invalidURL(let problem):
            problem
        case .operationFailed(let operation, let reason):
            "NATS \(operation) failed: \(reason)"
        case .timedOut(let subject, let seconds):
            "no reply on \(subject) within \(seconds.formatted()) seconds"
        case .noResponders(let subject):
            "nobody is listening on \(subject)"
        case .closed:
            "the NATS connection is closed"
        case .jetStreamUnavailable(let reason):
            "NATS JetStream is not available (\(reason)); start nats-server with JetStream: `nats-server -js -sd DIR`"
        case .badNKeyFile(let path, let reason):
            "cannot use the NATS nkey seed file \(path): \(reason); give a file holding a user seed (a line starting SU) "
                + "with --nats-nkey, PIPETTE_NATS_NKEY or nats_nkey_file"
        case .untrustedCertificate(let url, let caFile, let detail):
            "the TLS certificate of NATS at \(NATSURL.redacted(url)) is not signed by "
                + (caFile.map { "the CA in \($0)" } ?? "a CA this host trusts") + " (\(detail)); "
                + "give the CA that signed the server's certificate with \(TLSFile.ca.settings)"
        case .expiredCertificate(let url, let detail):
            "the TLS certificate of NATS at \(NATSURL.redacted(url)) is out of its validity period (\(detail)); "
                + "the server needs a renewed certificate (or this host's clock is wrong)"
        case .certificateNameMismatch(let url, let detail):
            "the TLS certificate of NATS at \(NATSURL.redacted(url)) does not name that host (\(detail)); "
                + "connect by a name or address the certificate lists, or give the server a certificate "
                + "whose subjectAltName has this one"
        case .tlsNotOffered(let url):
            "NATS at \(NATSURL.redacted(url)) does not offer TLS, but this client requires it (a tls:// URL, a CA "
                + "or client certificate, or secure: true); turn on TLS in the server's config (a tls { } block), "
                + "or connect with a nats:// URL and no TLS settings"
        case .tlsRejected(let url, let detail):
            "NATS at \(NATSURL.redacted(url)) closed the TLS connection (\(detail)); if it verifies clients "
                + "(verify: true), give a client certificate signed by a CA it trusts with "
                + "\(TLSFile.certificate.settings) and its key with \(TLSFile.key.settings)"
        case .tlsFailed(let url, let detail):
            "TLS with NATS at \(NATSURL.redacted(url)) failed (\(detail)); check the server's tls { } settings "
                + "and \(TLSFile.ca.settings)"
        case .authorizationViolation(let url):
            "NATS at \(NATSURL.redacted(url)) refused this client's credentials (Authorization Violation); "
                + "check the user and password (nats://user:password@host:4222 in PIPETTE_NATS_URL), token or "
                + "nkey seed (--nats-nkey) against the server's authorization settings"
        case .badTLSFile(let path, let what, let reason):
            "cannot use the NATS TLS \(what.rawValue) \(path): \(reason); give a readable PEM file with \(what.settings)"
        case .invalidSubject(let subject, let problem):
            "refusing to publish to subject \"\(subject.prefix(80))\": it \(problem)"
        }
    }
}

extension Double {
    /// `120` for whole numbers, `0.5` otherwise.
    func formatted() -> String {
        self == rounded() ? String(Int(self)) : String(self)
    }
}
