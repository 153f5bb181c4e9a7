import Crypto

/// What was written: the archive's sha256 (lowercase hex) and its size in bytes.
public struct ArchiveDigest: Sendable, Equatable, Codable {
    public let sha256: String
    public let size: Int64

    public init(sha256: String, size: Int64) {
        self.sha256 = sha256
        self.size = size
    }

    init(hash: SHA256.Digest, size: Int64) {
        self.init(sha256: hash.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined(), size: size)
    }
}
