import Logging
import ServiceLifecycle

extension NATSConnection {
    /// A long-running service's connection: waits for a server as
    /// ``connect(_:options:patience:maxBackoff:onWait:)`` does (30 s for one that is starting, for
    /// ever for one that refuses), logging each distinct wait once; nil when the service is asked
    /// to stop (SIGTERM, Ctrl-C) while it waits, so it ends at once instead of after the wait.
    public static func forService(_ url: String, options: NATSOptions, logger: Logger) async throws -> NATSConnection? {
        do {
            return try await cancelWhenGracefulShutdown {
                try await connect(url, options: options, patience: .seconds(30)) { error in
                    logger.notice("\(error.waitNote)", metadata: ["error": "\(error)"])
                }
            }
        } catch NATSError.closed where Task.isShuttingDownGracefully {
            return nil
        }
    }
}
