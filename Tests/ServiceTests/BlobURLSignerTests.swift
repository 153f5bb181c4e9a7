import Crypto
import Foundation
import PipetteCore
import Testing

@Suite("Signed, expiring blob URLs")
struct BlobURLSignerTests {
    let signer = BlobURLSigner(secret: "s3cret")
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func signatureIsLowercaseHexHMACOfMethodKeyAndExpiry() {
        let expected = HMAC<SHA256>.authenticationCode(
            for: Data("PUT\ndroplets/app-1/abc.tgz\n1800000060".utf8), using: SymmetricKey(data: Data("s3cret".utf8)))
            .map { String(format: "%02x", $0) }.joined()
        #expect(signer.signature(method: "PUT", key: "droplets/app-1/abc.tgz", expires: 1_800_000_060) == expected)
        #expect(signer.signature(method: "put", key: "droplets/app-1/abc.tgz", expires: 1_800_000_060) == expected)
    }

    @Test func signedURLCarriesExpiryAndSignature() throws {
        let url = signer.signedURL(base: "http://127.0.0.1:8081/", method: "GET", key: "droplets/a/b.tgz", validFor: 60, now: now)
        let parts = try #require(URLComponents(string: url))
        #expect(parts.path == "/blobs/droplets/a/b.tgz")
        let query = Dictionary(uniqueKeysWithValues: (parts.queryItems ?? []).map { ($0.name, $0.value ?? "") })
        #expect(query["expires"] == "1800000060")
        #expect(query["signature"] == signer.signature(method: "GET", key: "droplets/a/b.tgz", expires: 1_800_000_060))
        #expect(signer.verify(method: "GET", key: "droplets/a/b.tgz", expires: query["expires"], signature: query["signature"], now: now) == .valid)
    }

    @Test func verdicts() {
        let signature = signer.signature(method: "GET", key: "k", expires: 1_800_000_060)
        #expect(signer.verify(method: "GET", key: "k", expires: "1800000060", signature: signature, now: now) == .valid)
        #expect(signer.verify(method: "GET", key: "k", expires: "1800000060", signature: signature.uppercased(), now: now) == .valid)
        #expect(signer.verify(method: "GET", key: "k", expires: nil, signature: signature, now: now) == .missing)
        #expect(signer.verify(method: "GET", key: "k", expires: "1800000060", signature: nil, now: now) == .missing)
        #expect(signer.verify(method: "GET", key: "k", expires: "1800000060", signature: signature,
                              now: now.addingTimeInterval(61)) == .expired)
        #expect(signer.verify(method: "PUT", key: "k", expires: "1800000060", signature: signature, now: now) == .invalid)
        #expect(signer.verify(method: "GET", key: "k2", expires: "1800000060", signature: signature, now: now) == .invalid)
        #expect(signer.verify(method: "GET", key: "k", expires: "1800000061", signature: signature, now: now) == .invalid)
        #expect(signer.verify(method: "GET", key: "k", expires: "soon", signature: signature, now: now) == .invalid)
        #expect(signer.verify(method: "GET", key: "k", expires: "1800000060", signature: "abc", now: now) == .invalid)
        #expect(BlobURLSigner(secret: "other").verify(method: "GET", key: "k", expires: "1800000060", signature: signature, now: now) == .invalid)
    }

    @Test func forgedOldURLIsInvalidNotExpired() {
        #expect(signer.verify(method: "GET", key: "k", expires: "1", signature: String(repeating: "0", count: 64), now: now) == .invalid)
    }
}
