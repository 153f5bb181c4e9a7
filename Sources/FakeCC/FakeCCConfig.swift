import Foundation
import HTTPServing

/// What the fake cloud controller serves and where it keeps what it receives.
public struct FakeCCConfig: Sendable {
    /// Apps to serve: `<id>.zip` as it is, or a folder `<id>/` zipped on request.
    public var appsDirectory: URL
    /// Received droplets land in `<id>/<upload_id>.tgz`, each with a `.json` record beside it.
    public var dropletsDirectory: URL
    public var host: String
    /// 0 picks a free port; `FakeCCService`'s `onListening` reports the real one.
    public var port: Int
    /// Serve HTTPS with this certificate and key instead of plain HTTP.
    public var tls: ServerTLS?
    /// Test hook: answer the first N droplet uploads with 500 (to exercise uploaders' retries).
    public var failUploads: Int

    public init(appsDirectory: URL, dropletsDirectory: URL, host: String = "127.0.0.1", port: Int,
                failUploads: Int = 0) {
        self.appsDirectory = appsDirectory
        self.dropletsDirectory = dropletsDirectory
        self.host = host
        self.port = port
        self.failUploads = failUploads
    }
}
