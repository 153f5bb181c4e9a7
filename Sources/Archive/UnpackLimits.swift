/// Limits enforced while unpacking an untrusted archive.
public struct UnpackLimits: Sendable, Equatable {
    /// Total bytes of file data written, across all entries.
    public var maxTotalBytes: Int64
    public var maxEntries: Int
    /// Largest allowed ratio of bytes written to bytes read from the archive file, checked
    /// once more than `ratioGraceBytes` have been written (small files compress oddly).
    public var maxCompressionRatio: Int
    public var ratioGraceBytes: Int64

    public init(maxTotalBytes: Int64 = 1 << 30, maxEntries: Int = 100_000,
                maxCompressionRatio: Int = 200, ratioGraceBytes: Int64 = 1 << 20) {
        self.maxTotalBytes = maxTotalBytes
        self.maxEntries = maxEntries
        self.maxCompressionRatio = maxCompressionRatio
        self.ratioGraceBytes = ratioGraceBytes
    }

    /// Defaults for app packages (MISSION.md: 1 GiB, 100,000 entries).
    public static let appPackage = UnpackLimits()
    /// Droplets are our own output but may be large; still never trusted blindly.
    public static let droplet = UnpackLimits(maxTotalBytes: 8 << 30, maxEntries: 1_000_000)
}
