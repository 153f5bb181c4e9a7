import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging

/// Runs a Hummingbird router on `host:port` until graceful shutdown (in-flight requests finish
/// first); `onListening` gets the bound port, so port 0 works. With `tls` it serves HTTPS only.
public enum HTTPServer {
    public static func run(_ router: Router<BasicRequestContext>, host: String, port: Int, tls: ServerTLS? = nil, logger: Logger,
                           onListening: @escaping @Sendable (Int) async -> Void) async throws {
        let server: HTTPServerBuilder = if let tls { try .tls(tlsConfiguration: tls.configuration()) } else { .http1() }
        let app = Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger)
        try await app.run()
    }
}

/// A service could not start (its directory is unusable, say); the message says which and why.
public struct ServiceSetupError: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
