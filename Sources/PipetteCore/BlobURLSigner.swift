import Crypto
import Foundation

/// Signs and checks expiring blob URLs: `<base>/blobs/<key>?expires=<unix>&signature=<hex>`,
/// where the signature is HMAC-SHA256(secret, "METHOD\nkey\nexpires") in lowercase hex.
/// Pure values: the caller supplies the clock.
public struct BlobURLSigner: Sendable {
    public enum Verdict: Sendable, Equatable {
        case valid
        /// No `expires` or no `signature` query parameter.
        case missing
        /// The signature matches but the URL's time is up.
        case expired
        /// The signature does not match this method, key and expiry (or is malformed).
        case invalid
    }

    private let secret: [UInt8]

    public init(secret: String) {
        self.secret = Array(secret.utf8)
    }

    public func signature(method: String, key blobKey: String, expires: Int) -> String {
        let message = "\(method.uppercased())\n\(blobKey)\n\(expires)"
        let code = HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: SymmetricKey(data: secret))
        return code.lowercaseHex
    }

    /// A URL for `method` on `key` that stops working `seconds` after `now`.
    public func signedURL(base: String, method: String, key blobKey: String, validFor seconds: Int,
                          now: Date = Date()) -> String {
        let expires = Int(now.timeIntervalSince1970) + seconds
        let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
        let path = blobKey.addingPercentEncoding(withAllowedCharacters: Self.keyCharacters) ?? blobKey
        return "\(trimmed)/blobs/\(path)?expires=\(expires)&signature=\(signature(method: method, key: blobKey, expires: expires))"
    }

    /// Checks the `expires` and `signature` query values of a request for `method` on `key`.
    /// The signature is checked first (in constant time), so a forged URL is `.invalid` even if old.
    public func verify(method: String, key blobKey: String, expires: String?, signature: String?,
                       now: Date = Date()) -> Verdict {
        guard let expires, let signature, !expires.isEmpty, !signature.isEmpty else { return .missing }
        guard let deadline = Int(expires) else { return .invalid }
        let expected = self.signature(method: method, key: blobKey, expires: deadline)
        guard Self.constantTimeEqual(Array(expected.utf8), Array(signature.lowercased().utf8)) else { return .invalid }
        return Int(now.timeIntervalSince1970) <= deadline ? .valid : .expired
    }

    /// Compares without stopping at the first difference, so timing reveals nothing but the length.
    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }

    /// Characters left as they are in a key's URL path (`/` separates segments).
    private static let keyCharacters = CharacterSet(charactersIn:
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/")
}
