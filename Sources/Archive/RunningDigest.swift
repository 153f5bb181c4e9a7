import Crypto

/// sha256 and size of bytes seen one buffer at a time (a body being relayed).
public struct RunningDigest {
    private var hasher = SHA256()
    private var size: Int64 = 0

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
        size += Int64(bytes.count)
    }

    /// The digest of everything seen so far.
    public func finish() -> ArchiveDigest { ArchiveDigest(hash: hasher.finalize(), size: size) }
}
