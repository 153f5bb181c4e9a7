import Foundation

/// A folder one staging attempt works in, named by a fresh attempt id so two attempts (a retry
/// overlapping the first, two ids that look alike) never share one. Removed even when the app
/// made it deeper than PATH_MAX, where Foundation gives up.
public struct Workspace: Sendable {
    public let url: URL

    /// 16 lowercase hex digits, fresh each call.
    public static func newAttemptID() -> String {
        String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16)).lowercased()
    }

    /// Creates `<parent>/<prefix>-<attemptID>` (a new folder; it never reuses one).
    public static func create(in parent: URL, prefix: String, attemptID: String) throws -> Workspace {
        let url = parent.appendingPathComponent("\(prefix)-\(attemptID)")
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        return Workspace(url: url)
    }

    public init(url: URL) { self.url = url }

    /// Removes the folder and everything in it.
    public func remove() { Self.remove(url) }

    /// Removes `url` recursively; falls back to `rm -rf` (which walks with openat, so depth is no
    /// limit) when Foundation cannot.
    @discardableResult
    public static func remove(_ url: URL) -> Bool {
        if (try? FileManager.default.removeItem(at: url)) != nil { return true }
        guard FileManager.default.fileExists(atPath: url.path) || (try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)) != nil
        else { return true }
        let rm = Process()
        rm.executableURL = URL(fileURLWithPath: "/bin/rm")
        rm.arguments = ["-rf", "--one-file-system", "--", url.path]
        rm.standardOutput = FileHandle.nullDevice
        rm.standardError = FileHandle.nullDevice
        guard (try? rm.run()) != nil else { return false }
        rm.waitUntilExit()
        return rm.terminationStatus == 0
    }
}
