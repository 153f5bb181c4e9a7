import Foundation

/// Makes the expiring URLs through which every blob is reached, so that whoever holds one (a
/// cell) can do one thing to one blob for a while and holds no key of the store. Pure values:
/// the caller supplies the clock.
public protocol BlobURLSigning: Sendable {
    /// A URL allowing `method` (GET, PUT, DELETE) on `key` until `seconds` after `now`.
    func url(_ method: String, key: String, validFor seconds: Int, now: Date) -> String
    /// The blob key in one of this store's URLs, or nil when `url` is not one.
    func key(in url: String) -> String?
    /// A sentence explaining an HTTP `status` answering `method` on one of this store's URLs,
    /// when the store has a better one than the bare status (S3: missing bucket, refused keys).
    func explain(status: Int, method: String) -> String?
}

extension BlobURLSigning {
    public func url(_ method: String, key: String, validFor seconds: Int) -> String {
        url(method, key: key, validFor: seconds, now: Date())
    }

    public func explain(status: Int, method: String) -> String? { nil }
}
