/// How a running instance is checked (Diego's health check types): written `port`,
/// `http:/path` or `process`.
public enum HealthCheck: Sendable, Equatable, Codable, CustomStringConvertible {
    /// A TCP connection to `$PORT` succeeds.
    case port
    /// `GET path` on `$PORT` answers 200.
    case http(path: String)
    /// The process is alive.
    case process

    /// Parses `port`, `process`, `http` (path `/`) or `http:/path`; nil for anything else.
    public init?(_ text: String) {
        switch text {
        case "port": self = .port
        case "process": self = .process
        case "http": self = .http(path: "/")
        case _ where text.hasPrefix("http:/") && !text.contains(where: { $0 == " " || $0.isNewline }):
            self = .http(path: String(text.dropFirst("http:".count)))
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .port: "port"
        case .process: "process"
        case .http(let path): "http:" + path
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let check = HealthCheck(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "health check must be port, process or http:/path, got \(text)"))
        }
        self = check
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
