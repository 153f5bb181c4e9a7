import Foundation

/// The container user (vcap, uid/gid 2000) must own what it writes to through bind mounts.
public enum Ownership {
    public static let vcap: (uid: UInt32, gid: UInt32) = (2000, 2000)

    /// Makes a fresh directory owned by vcap.
    public static func makeDirectory(_ url: URL) throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        chown(url.path, vcap.uid, vcap.gid)
    }

    /// lchown's a whole tree to vcap (links themselves, never what they point to).
    static func giveTree(_ url: URL) {
        lchown(url.path, vcap.uid, vcap.gid)
        TreeWalk.entries(under: url.path) { path, _ in
            lchown(path, vcap.uid, vcap.gid)
            return .goOn
        }
    }
}
