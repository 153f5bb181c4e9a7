import ArgumentParser
import Blobstore
import Foundation
import HTTPServing
import Logging
import ServiceLifecycle

struct BlobstoreCommand: ServiceCommand {
    static let configuration = CommandConfiguration(
        commandName: "blobstore",
        abstract: "Run the HTTP blobstore for packages, droplets and build caches.",
        discussion: """
            Blobs live under --dir: blobs/<key> holds the bytes, meta/<key>.sha256
            their sums, tmp/ uploads in progress. Uploads stream to disk and are
            renamed into place, so a reader never sees a partial blob.

              PUT    /blobs/<key>  store -> 201 {"key","sha256","size"}; an
                                   X-Checksum-Sha256 header is verified
              GET    /blobs/<key>  fetch (Content-Length, X-Checksum-Sha256, ETag)
              HEAD   /blobs/<key>  the same headers, no body
              DELETE /blobs/<key>  remove -> 204
              GET    /healthz      "ok"

            Keys are /-separated segments of A-Z a-z 0-9 . _ -, such as
            droplets/my-app/abc.tgz. With a secret, every /blobs request needs
            ?expires=<unix time>&signature=<hex>: the lowercase hex
            HMAC-SHA256 of "METHOD\\nkey\\nexpires" keyed with the secret.

            Examples:
              pipette blobstore --dir /tmp/blobs --port 8081
              curl -T app.tgz http://127.0.0.1:8081/blobs/droplets/my-app/app.tgz
              PIPETTE_BLOBSTORE_SECRET=s3cret pipette blobstore --dir /tmp/blobs
            """)

    @Option(help: "The folder that holds the blobs (created when missing).")
    var dir: String

    @Option(help: "The port to listen on (0 picks a free one).")
    var port = 8081

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: ArgumentHelp("Require URLs signed with this secret (default: $PIPETTE_BLOBSTORE_SECRET; none: unsigned access).",
                               valueName: "secret"))
    var secret: String?

    @Option(help: "Refuse blobs larger than this many MiB.")
    var maxBlobMb = 4096

    @Option(help: ArgumentHelp("Serve HTTPS with this certificate (PEM, with its chain); needs --tls-key.", valueName: "file"))
    var tlsCert: String?

    @Option(help: ArgumentHelp("The certificate's private key (PEM).", valueName: "file"))
    var tlsKey: String?

    @Option(help: "Log level (default: info; the seed's debug2 is trace).")
    var logLevel: LogLevel?

    func validate() throws {
        if !(0...65535).contains(port) { throw ValidationError("--port must be between 0 and 65535") }
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together: give both or neither") }
        if maxBlobMb <= 0 { throw ValidationError("--max-blob-mb must be a positive number of MiB") }
        if secret?.isEmpty == true { throw ValidationError("--secret must not be empty") }
    }

    func makeService() async throws -> any Service {
        let logger = LogSetup.logger("pipette.blobstore", level: logLevel)
        let secret = self.secret ?? ProcessInfo.processInfo.environment["PIPETTE_BLOBSTORE_SECRET"].flatMap { $0.isEmpty ? nil : $0 }
        let directory = URL(fileURLWithPath: dir).standardizedFileURL
        var config = BlobstoreConfig(directory: directory, secret: secret, host: host, port: port,
                                     maxBlobBytes: Int64(maxBlobMb) << 20)
        config.tls = tlsCert.map { ServerTLS(certificateFile: $0, keyFile: tlsKey ?? "") }
        let host = self.host
        let scheme = config.tls == nil ? "http" : "https"
        let service = BlobstoreService(config: config, logger: logger) { port in
            Output.line("blobstore listening on \(scheme)://\(host):\(port) (dir \(directory.path), "
                + (secret == nil ? "unsigned URLs accepted" : "signed URLs required") + ")")
        }
        return service
    }
}
