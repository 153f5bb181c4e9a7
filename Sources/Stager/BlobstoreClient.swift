import Foundation
import PipetteCore
import Transfer

/// Stores blobs in the blobstore — Pipette's own or an S3-compatible store — through expiring
/// URLs made by its ``BlobURLSigning``; the same URLs are what cells get, so no cell holds a key.
public struct BlobstoreClient: Sendable {
    public let location: BlobstoreLocation
    let signer: any BlobURLSigning
    let transfer: HTTPTransfer

    public init(location: BlobstoreLocation, transfer: HTTPTransfer) {
        self.location = location
        signer = location.signer
        self.transfer = transfer
    }

    /// Pipette's own blobstore at `base`, signing with `secret` when there is one.
    public init(base: String, secret: String?, transfer: HTTPTransfer) {
        self.init(location: .embedded(base: base, secret: secret), transfer: transfer)
    }

    public func url(_ method: String, key: String, validFor seconds: Int) -> String {
        signer.url(method, key: key, validFor: seconds)
    }

    /// PUTs `file` under `key` (the embedded blobstore verifies `sha256`; cells verify it again
    /// on every download); returns a GET URL.
    public func put(_ file: URL, key: String, sha256: String, timeout: Duration) async throws(TransferError) -> String {
        do {
            _ = try await transfer.upload(file, to: url("PUT", key: key, validFor: 3600),
                                          headers: [("X-Checksum-Sha256", sha256)], timeout: timeout)
        } catch {
            throw explained(error, method: "PUT")
        }
        return getURL(key)
    }

    /// Deletes the blob under `key`; false when there was none (S3 does not say: true).
    @discardableResult
    public func delete(_ key: String, timeout: Duration = .seconds(30)) async throws(TransferError) -> Bool {
        do {
            return try await transfer.delete(url("DELETE", key: key, validFor: 300), timeout: timeout)
        } catch {
            throw explained(error, method: "DELETE")
        }
    }

    /// Downloads the blob under `key` into `file`.
    public func download(_ key: String, to file: URL, what: String, timeout: Duration) async throws(TransferError) {
        do {
            _ = try await transfer.download(url("GET", key: key, validFor: 600), to: file, what: what, limit: Int64.max,
                                            timeout: timeout)
        } catch {
            throw explained(error, method: "GET")
        }
    }

    /// The GET URL a reply hands out for a stored blob: valid for a week (S3's longest).
    public func getURL(_ key: String) -> String { url("GET", key: key, validFor: S3Presigner.maxValidity) }

    /// The blob key in one of this blobstore's URLs, or nil.
    public func key(in url: String) -> String? { signer.key(in: url) }

    /// `error` with the store's explanation of its HTTP status, when it has one.
    func explained(_ error: TransferError, method: String) -> TransferError {
        guard case .httpStatus(let code, let url, let message) = error,
              let explanation = signer.explain(status: code, method: method) else { return error }
        return .httpStatus(code: code, url: url, message: explanation + (message.map { " (\($0))" } ?? ""))
    }

    /// Where an attempt's package is kept: `packages/<app>/<attempt>.zip`.
    public static func packageKey(appID: String, attemptID: String) -> String { "packages/\(segment(appID))/\(attemptID).zip" }

    /// Where a stager checks that the blobstore takes writes: `checks/<stager>`.
    static func writeCheckKey(stager: String) -> String { "checks/\(segment(stager))" }

    /// Where an attempt's droplet is kept: `droplets/<app>/<attempt>.tgz`.
    static func dropletKey(appID: String, attemptID: String) -> String { "droplets/\(segment(appID))/\(attemptID).tgz" }

    /// A blob key segment from any string: letters, digits, `.`, `_` and `-` only.
    static func segment(_ text: String) -> String {
        let cleaned = String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "-" })
        return cleaned.isEmpty || cleaned.allSatisfy({ $0 == "." }) ? "app" : cleaned
    }
}
