import Foundation
import PipetteCore
import Transfer

/// Stores blobs in a Pipette blobstore (or anything speaking its URLs), signing each URL when a
/// secret is configured.
public struct BlobstoreClient: Sendable {
    let base: String
    let signer: BlobURLSigner?
    let transfer: HTTPTransfer

    public init(base: String, secret: String?, transfer: HTTPTransfer) {
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
        signer = secret.map(BlobURLSigner.init(secret:))
        self.transfer = transfer
    }

    public func url(_ method: String, key: String, validFor seconds: Int) -> String {
        guard let signer else { return "\(base)/blobs/\(key)" }
        return signer.signedURL(base: base, method: method, key: key, validFor: seconds)
    }

    /// PUTs `file` under `key`, asking the blobstore to verify `sha256`; returns a GET URL.
    public func put(_ file: URL, key: String, sha256: String, timeout: Duration) async throws(TransferError) -> String {
        _ = try await transfer.upload(file, to: url("PUT", key: key, validFor: 3600),
                                      headers: [("X-Checksum-Sha256", sha256)], timeout: timeout)
        return getURL(key)
    }

    /// Deletes the blob under `key`; false when there was none.
    @discardableResult
    public func delete(_ key: String, timeout: Duration = .seconds(30)) async throws(TransferError) -> Bool {
        try await transfer.delete(url("DELETE", key: key, validFor: 300), timeout: timeout)
    }

    /// The GET URL a reply hands out for a stored blob: valid for a week.
    public func getURL(_ key: String) -> String { url("GET", key: key, validFor: 7 * 24 * 3600) }

    /// Where an attempt's package is kept: `packages/<app>/<attempt>.zip`.
    public static func packageKey(appID: String, attemptID: String) -> String { "packages/\(segment(appID))/\(attemptID).zip" }

    /// Where an attempt's droplet is kept: `droplets/<app>/<attempt>.tgz`.
    static func dropletKey(appID: String, attemptID: String) -> String { "droplets/\(segment(appID))/\(attemptID).tgz" }

    /// The blob key in one of this blobstore's URLs (`<base>/blobs/<key>?…`), or nil.
    public static func key(in url: String) -> String? {
        guard let range = url.range(of: "/blobs/") else { return nil }
        let path = url[range.upperBound...].prefix { $0 != "?" && $0 != "#" }
        return path.isEmpty ? nil : String(path).removingPercentEncoding
    }

    /// A blob key segment from any string: letters, digits, `.`, `_` and `-` only.
    static func segment(_ text: String) -> String {
        let cleaned = String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "-" })
        return cleaned.isEmpty || cleaned.allSatisfy({ $0 == "." }) ? "app" : cleaned
    }
}
