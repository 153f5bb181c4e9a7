import Foundation
import HTTPServing
import Logging
import PipetteCore
import ServiceLifecycle

/// The HTTP blobstore as a swift-service-lifecycle `Service`: runs until graceful shutdown
/// (in-flight transfers finish first).
public struct BlobstoreService: Service {
    let config: BlobstoreConfig
    let logger: Logger
    let onListening: @Sendable (Int) async -> Void

    /// - Parameter onListening: called with the bound port once the server accepts connections.
    public init(config: BlobstoreConfig, logger: Logger, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) {
        self.config = config
        self.logger = logger
        self.onListening = onListening
    }

    public func run() async throws {
        let storage = BlobStorage(root: config.directory)
        do {
            try storage.prepare()
        } catch {
            throw ServiceSetupError(message: "cannot use \(config.directory.path) as the blobstore directory: \(error)")
        }
        let routes = BlobRoutes(storage: storage, signer: config.secret.map(BlobURLSigner.init(secret:)),
                                maxBlobBytes: config.maxBlobBytes, logger: logger)
        try await HTTPServer.run(routes.router(), name: "blobstore", host: config.host, port: config.port, tls: config.tls, logger: logger,
                                 onListening: onListening)
    }
}


extension BlobstoreService: CustomStringConvertible {
    /// What service-lifecycle logs for this service: its name only, never its config (which
    /// holds credentials and secrets).
    public var description: String { "BlobstoreService" }
}
