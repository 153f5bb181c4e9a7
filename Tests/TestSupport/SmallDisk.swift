import Foundation

/// A tmpfs of a few MiB mounted on a fresh directory (tests run as root): a disk that fills up.
/// Unmount it with `remove()`, in a `defer`.
public struct SmallDisk: Sendable {
    public let url: URL

    public init(megabytes: Int = 1, label: String = "small-disk") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let mounted = try shell("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", url.path])
        guard mounted.status == 0 else {
            try? FileManager.default.removeItem(at: url)
            throw TestStacks.Missing(message: "cannot mount a tmpfs on \(url.path): \(mounted.output)")
        }
    }

    public var path: String { url.path }

    public func file(_ relative: String) -> URL { url.appendingPathComponent(relative) }

    /// Free bytes left on the disk.
    public var freeBytes: Int64 {
        var info = statvfs()
        guard statvfs(url.path, &info) == 0 else { return 0 }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }

    /// Unmounts the disk (lazily, should a test still hold a file open) and removes its folder.
    public func remove() {
        _ = try? shell("/usr/bin/umount", ["-l", url.path])
        try? FileManager.default.removeItem(at: url)
    }
}
