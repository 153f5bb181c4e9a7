import Archive
import Foundation
import Synchronization

/// The zips of app folders the fake cloud controller served, kept while a folder is unchanged. A
/// real cloud controller serves the package uploaded once; zipping the folder again for every
/// download (about 1.5 ms for the static app, a temporary file written and read back) made the
/// fake slower than what it stands for, on every staging's path.
///
/// A folder is unchanged while every entry under it has the same name, type, mode, size, inode,
/// and modification and change times (a write, chmod, rename or replacement changes one). File
/// times tick coarsely (a few milliseconds), so a folder changed within the last second is zipped
/// every time and not kept, as git treats "racy" entries: a write in the same tick as the one
/// before it would otherwise go unseen. Zips over `maxZipBytes` are not kept; at most
/// `maxEntries` are, the oldest dropped first.
final class PackageCache: Sendable {
    /// A zip and the listing of the folder it was made from.
    struct Package: Sendable {
        let listing: String
        let zip: [UInt8]
        let digest: ArchiveDigest
    }

    let maxZipBytes: Int
    let maxEntries: Int
    /// Seconds since 1970 (injected by tests).
    let now: @Sendable () -> Double
    private let kept = Mutex<[(folder: String, package: Package)]>([])
    /// How many zips were made (for tests).
    let made = Atomic<Int>(0)

    init(maxZipBytes: Int = 8 << 20, maxEntries: Int = 32, now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.maxZipBytes = maxZipBytes
        self.maxEntries = maxEntries
        self.now = now
    }

    /// `folder` zipped: the kept zip while its listing is the same, else a new one (kept if small).
    func zip(_ folder: URL) throws -> Package {
        guard let (listing, newest) = Self.listing(of: folder.path) else { return try pack(folder, listing: nil) }
        if let hit = kept.withLock({ $0.first { $0.folder == folder.path }?.package }), hit.listing == listing { return hit }
        let package = try pack(folder, listing: listing)
        guard package.zip.count <= maxZipBytes, newest < now() - 1 else { return package }
        kept.withLock { entries in
            entries.removeAll { $0.folder == folder.path }
            if entries.count >= maxEntries { entries.removeFirst() }
            entries.append((folder.path, package))
        }
        return package
    }

    private func pack(_ folder: URL, listing: String?) throws -> Package {
        made.add(1, ordering: .relaxed)
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("pipette-fake-cc-\(UUID().uuidString).zip")
        defer { unlink(temporary.path) }
        let digest = try TreePacker.pack(folder, to: temporary, format: .zip)
        return Package(listing: listing ?? "", zip: Array(try Data(contentsOf: temporary)), digest: digest)
    }

    /// One line per entry under `root` (sorted by name at each level) with what changes when the
    /// entry does, and the newest time in it (seconds since 1970); nil when the folder cannot be
    /// read (then nothing is kept).
    static func listing(of root: String) -> (String, newest: Double)? {
        var lines = ""
        var info = stat()
        guard stat(root, &info) == 0 else { return nil }
        var newest = Self.seconds(info.st_ctim)
        func walk(_ directory: String, _ relative: String) -> Bool {
            guard let stream = opendir(directory) else { return false }
            var names: [String] = []
            while let entry = readdir(stream) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != ".", name != ".." { names.append(name) }
            }
            closedir(stream)
            for name in names.sorted() {
                guard lstat(directory + "/" + name, &info) == 0 else { return false }
                lines += "\(relative)/\(name)\u{0} \(info.st_mode) \(info.st_size) \(info.st_ino) "
                    + "\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec) \(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec)\n"
                newest = max(newest, Self.seconds(info.st_mtim), Self.seconds(info.st_ctim))
                if info.st_mode & S_IFMT == S_IFDIR, !walk(directory + "/" + name, relative + "/" + name) { return false }
            }
            return true
        }
        return walk(root, "") ? (lines, newest) : nil
    }

    private static func seconds(_ time: timespec) -> Double { Double(time.tv_sec) + Double(time.tv_nsec) / 1e9 }
}
