import Foundation
import HTTPServing
import Logging
import ServiceLifecycle

/// The seed's fake cloud controller as a swift-service-lifecycle `Service`: serves app
/// packages and keeps uploaded droplets until graceful shutdown.
public struct FakeCCService: Service {
    let config: FakeCCConfig
    let logger: Logger
    let onListening: @Sendable (Int) async -> Void

    /// - Parameter onListening: called with the bound port once the server accepts connections.
    public init(config: FakeCCConfig, logger: Logger, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) {
        self.config = config
        self.logger = logger
        self.onListening = onListening
    }

    public func run() async throws {
        let shelf = DropletShelf(root: config.dropletsDirectory)
        do {
            try shelf.prepare()
        } catch {
            throw ServiceSetupError(message: "cannot keep droplets in \(config.dropletsDirectory.path): \(error.localizedDescription)")
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: config.appsDirectory.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw ServiceSetupError(message: "apps directory \(config.appsDirectory.path) does not exist (pass --apps with a folder of apps)")
        }
        let routes = FakeCCRoutes(apps: config.appsDirectory, shelf: shelf,
                                  failures: UploadFailures(total: config.failUploads), logger: logger)
        try await HTTPServer.run(routes.router(), name: "fake-cc", host: config.host, port: config.port, tls: config.tls, logger: logger,
                                 onListening: onListening)
    }
}


extension FakeCCService: CustomStringConvertible {
    /// What service-lifecycle logs for this service: its name only, never its config (which
    /// holds credentials and secrets).
    public var description: String { "FakeCCService" }
}
