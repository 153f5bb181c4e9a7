import ArgumentParser
import PipetteCore

/// The running blobstore a benchmark talks to, and signed URLs for its keys.
struct BlobstoreOptions: ParsableArguments {
    @Option(help: "The blobstore's base URL.") var blobstore: String
    @Option(help: "The blobstore's signing secret.") var secret: String

    /// A URL for `method` on `key`, valid for an hour.
    func url(_ method: String, key: String) -> String {
        BlobURLSigner(secret: secret).signedURL(base: blobstore, method: method, key: key, validFor: 3600)
    }
}
