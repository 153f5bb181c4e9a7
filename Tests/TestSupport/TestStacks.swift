import Foundation

/// Built stacks for integration tests, from the same cache `pipette` uses.
public enum TestStacks {
    public static var cache: URL {
        if let dir = ProcessInfo.processInfo.environment["PIPETTE_CACHE"] { return URL(fileURLWithPath: dir) }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/pipette")
    }

    /// The rootfs of a built stack; a missing one is reported with the command that builds it.
    public static func rootfs(_ name: String) throws -> URL {
        let folder = cache.appendingPathComponent("stacks/\(name)")
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("metadata.json").path) else {
            throw Missing(message: "stack \(name) is not built; run scripts/setup.sh or `pipette stack build \(name)`")
        }
        return folder.appendingPathComponent("rootfs")
    }

    public struct Missing: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }
}
