/// Problems with a droplet given to `run-droplet`.
public enum DropletError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalid(path: String, reason: String)
    case noStagingInfo(path: String)
    case noStartCommand(path: String)

    public var description: String {
        switch self {
        case .invalid(let path, let reason):
            "\(path) is not a usable droplet: \(reason)"
        case .noStagingInfo(let path):
            "the droplet has no readable \(path); was it made by `pipette build`?"
        case .noStartCommand(let path):
            "the droplet \(path) has no start command; pass --start-command"
        }
    }
}
