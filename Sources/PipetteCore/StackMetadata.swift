import Foundation

/// What a built stack records about itself next to its rootfs (`metadata.json`).
public struct StackMetadata: Sendable, Equatable, Codable {
    public let name: String
    public let arch: Arch
    /// sha256 of the stack's reproducible rootfs tarball.
    public let sha256: String
    public let size: Int64
    public let builtAt: Date

    public init(name: String, arch: Arch, sha256: String, size: Int64, builtAt: Date) {
        self.name = name
        self.arch = arch
        self.sha256 = sha256
        self.size = size
        self.builtAt = builtAt
    }
}
