import Foundation

/// URLs of Pipette's own blobstore (`pipette blobstore`): `<base>/blobs/<key>`, signed with
/// ``BlobURLSigner`` when it has a secret, plain otherwise.
public struct EmbeddedBlobURLs: BlobURLSigning {
    /// The blobstore's base URL without a trailing `/`.
    public let base: String
    let signer: BlobURLSigner?

    public init(base: String, secret: String?) {
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
        signer = secret.map(BlobURLSigner.init(secret:))
    }

    public func url(_ method: String, key: String, validFor seconds: Int, now: Date) -> String {
        guard let signer else { return "\(base)/blobs/\(key)" }
        return signer.signedURL(base: base, method: method, key: key, validFor: seconds, now: now)
    }

    public func key(in url: String) -> String? { Self.key(in: url) }

    /// The blob key in a URL of any embedded blobstore (`…/blobs/<key>?…`), or nil.
    public static func key(in url: String) -> String? {
        guard let range = url.range(of: "/blobs/") else { return nil }
        let path = url[range.upperBound...].prefix { $0 != "?" && $0 != "#" }
        return path.isEmpty ? nil : String(path).removingPercentEncoding
    }
}
