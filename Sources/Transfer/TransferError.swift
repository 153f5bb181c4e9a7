/// A failed HTTP transfer, said so a person knows which URL and what happened.
public enum TransferError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidURL(String)
    case unreachable(url: String, reason: String)
    case httpStatus(code: Int, url: String)
    case tooLarge(url: String, limitBytes: Int64)
    case timedOut(url: String, seconds: Int)
    case io(reason: String)

    public var description: String {
        switch self {
        case .invalidURL(let url): "\(url) is not an http(s) URL"
        case .unreachable(let url, let reason): "cannot reach \(url) (\(reason))"
        case .httpStatus(let code, let url): "HTTP \(code) from \(url)"
        case .tooLarge(let url, let limit): "\(url) sent more than the limit of \(limit) bytes"
        case .timedOut(let url, let seconds): "no complete response from \(url) within \(seconds) seconds"
        case .io(let reason): reason
        }
    }

    /// Worth another try: the server or the network may recover.
    var isTransient: Bool {
        switch self {
        case .unreachable, .timedOut: true
        case .httpStatus(let code, _): code >= 500
        default: false
        }
    }
}
