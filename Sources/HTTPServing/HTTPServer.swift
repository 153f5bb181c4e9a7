import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore

/// Runs a Hummingbird router on `host:port` until graceful shutdown (in-flight requests finish
/// first); `onListening` gets the bound port, so port 0 works. With `tls` it serves HTTPS only.
/// `Expect: 100-continue` is answered (`ContinueHandler`).
/// `name` (the service, as its command is called) is how a failure to listen names it.
public enum HTTPServer {
    public static func run(_ router: Router<BasicRequestContext>, name: String, host: String, port: Int, tls: ServerTLS? = nil,
                           logger: Logger, onListening: @escaping @Sendable (Int) async -> Void) async throws {
        let http1 = HTTPServerBuilder.http1(configuration: .init(additionalChannelHandlers: [ContinueHandler()]))
        let server: HTTPServerBuilder = if let tls { try .tls(http1, tlsConfiguration: tls.configuration()) } else { http1 }
        let app = Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger)
        do {
            try await app.run()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            throw ServiceSetupError(message: "\(name) cannot listen on \(host):\(port): another program already does; "
                + "stop it, or give \(name) another --port")
        } catch let error as IOError where error.errnoCode == EADDRNOTAVAIL {
            throw ServiceSetupError(message: "\(name) cannot listen on \(host):\(port): \(host) is not an address of this machine; "
                + "give \(name) one of its addresses as --host (127.0.0.1, 0.0.0.0 for all)")
        }
    }
}

/// A service could not start (its directory is unusable, say); the message says which and why.
public struct ServiceSetupError: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
