import Foundation
import HTTPServing

/// Where and how the blobstore keeps blobs and listens.
public struct BlobstoreConfig: Sendable {
    /// Holds `blobs/`, `meta/` (sha256 sidecars) and `tmp/` (uploads in progress).
    public var directory: URL
    /// When set, every blob request needs an `expires` + `signature` made with it (`BlobURLSigner`).
    public var secret: String?
    public var host: String
    /// 0 picks a free port; `BlobstoreService`'s `onListening` reports the real one.
    public var port: Int
    /// Serve HTTPS with this certificate and key instead of plain HTTP.
    public var tls: ServerTLS?
    public var maxBlobBytes: Int64

    public init(directory: URL, secret: String? = nil, host: String = "127.0.0.1", port: Int,
                maxBlobBytes: Int64 = 4 << 30) {
        self.directory = directory
        self.secret = secret
        self.host = host
        self.port = port
        self.maxBlobBytes = maxBlobBytes
    }
}
