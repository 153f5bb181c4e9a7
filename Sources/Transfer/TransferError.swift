import Foundation

/// A failed HTTP transfer, said so a person knows which URL and what happened, and classified
/// so that only what can heal is tried again.
public enum TransferError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Where the fault lies.
    public enum Kind: Sendable, Equatable {
        /// The URL itself is unusable.
        case input
        /// Connecting, or the connection, failed or stalled.
        case network
        /// The server answered with an error status.
        case httpStatus
        /// This host's own disk failed (full, read-only, I/O error): not the network's fault.
        case localIO
        /// A size limit was passed.
        case limit
        /// The server's certificate was not accepted, or TLS failed.
        case tls
    }

    case invalidURL(String)
    case unreachable(url: String, reason: String)
    /// `message`: for server errors (5xx), the first line of the server's plain-text answer
    /// ("No space left on device while storing the upload …"): the status alone does not say why.
    case httpStatus(code: Int, url: String, message: String? = nil)
    case tooLarge(url: String, limitBytes: Int64)
    case timedOut(url: String, seconds: Int)
    /// The connection was open but no bytes moved either way for `seconds` (a hung or
    /// overloaded server): said after that pause, not at the end of the whole transfer's time.
    case stalled(url: String, seconds: Int)
    /// Writing `what` (e.g. "the app package") to this host's disk failed with errno `code`.
    case localWrite(what: String, code: Int32)
    /// Reading `what` from this host's disk failed with errno `code`.
    case localRead(what: String, code: Int32)
    /// The server's certificate is expired or signed by a CA this host does not trust.
    case untrustedCertificate(url: String)
    /// The server's certificate does not name the host of the URL.
    case certificateNameMismatch(url: String)
    /// Another TLS failure (a plain-HTTP server behind an https URL, say).
    case tlsFailed(url: String, reason: String)

    public var kind: Kind {
        switch self {
        case .invalidURL: .input
        case .unreachable, .timedOut, .stalled: .network
        case .httpStatus: .httpStatus
        case .localWrite, .localRead: .localIO
        case .tooLarge: .limit
        case .untrustedCertificate, .certificateNameMismatch, .tlsFailed: .tls
        }
    }

    public var description: String {
        switch self {
        case .invalidURL(let url): "\(Self.display(url)) is not an http(s) URL"
        case .unreachable(let url, let reason): "cannot reach \(Self.display(url)) (\(reason))"
        case .httpStatus(let code, let url, let message):
            "HTTP \(code) from \(Self.display(url))" + (message.map { ": \($0)" } ?? "")
        case .tooLarge(let url, let limit): "\(Self.display(url)) sent more than the limit of \(limit) bytes"
        case .timedOut(let url, let seconds): "no complete response from \(Self.display(url)) within \(seconds) seconds"
        case .stalled(let url, let seconds):
            "\(Self.display(url)) stopped answering: nothing came or went for \(seconds) seconds (is the server hung or overloaded?)"
        case .localWrite(let what, let code): "cannot write \(what) to local disk: \(String(cString: strerror(code)))"
        case .localRead(let what, let code): "cannot read \(what) from local disk: \(String(cString: strerror(code)))"
        case .untrustedCertificate(let url):
            "the certificate of \(Self.display(url)) is not trusted (expired, or signed by a CA this host does not "
                + "trust); set PIPETTE_CA_FILE to the CA that signed it"
        case .certificateNameMismatch(let url):
            "the certificate of \(Self.display(url)) does not name \(URL(string: url)?.host ?? "its host"); use a "
                + "name the certificate lists, or give the server a certificate for this one"
        case .tlsFailed(let url, let reason): "TLS with \(Self.display(url)) failed: \(reason)"
        }
    }

    /// Worth another try: the network or the server may recover. A full local disk, a limit or
    /// an answer like 404 or 507 (the server's disk is full) will not, so they fail at once; nor
    /// does a server that stopped answering (another wait would double the time to the same end).
    public var isTransient: Bool {
        switch self {
        case .unreachable, .timedOut: true
        case .httpStatus(let code, _, _): code >= 500 && ![501, 505, 507, 508].contains(code)
        default: false
        }
    }

    /// `url` as messages show it: the values of signatures, tokens and passwords replaced, since
    /// whoever reads the error could otherwise use them.
    static func display(_ url: String) -> String {
        guard var parts = URLComponents(string: url) else { return url }
        func isSecret(_ name: String) -> Bool {
            ["sig", "token", "key", "credential", "password", "secret"].contains { name.lowercased().contains($0) }
        }
        let items = parts.queryItems ?? []
        guard parts.password != nil || items.contains(where: { isSecret($0.name) && $0.value != nil }) else { return url }
        if parts.password != nil { parts.password = "REDACTED" }
        if !items.isEmpty {
            parts.queryItems = items.map { isSecret($0.name) && $0.value != nil ? URLQueryItem(name: $0.name, value: "REDACTED") : $0 }
        }
        return parts.string ?? url
    }
}
