import Archive
import Foundation

/// Zips an app folder the way a cloud controller packages an upload: entries sorted by name,
/// paths relative to the folder, modes and symlinks kept, fixed owner and mtime.
enum AppZipper {
    static func zip(_ folder: URL, to output: URL) throws(ArchiveError) -> ArchiveDigest {
        let writer = try ArchiveWriter(path: output, format: .zip)
        try walk(folder.path, prefix: "", into: writer)
        return try writer.finish()
    }

    private static func walk(_ folder: String, prefix: String, into writer: ArchiveWriter) throws(ArchiveError) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw .unreadable(path: folder, reason: error.localizedDescription)
        }
        for name in names.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            let path = folder + "/" + name
            let entry = prefix + name
            var info = stat()
            guard lstat(path, &info) == 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
            let mode = UInt32(info.st_mode)
            switch mode & UInt32(S_IFMT) {
            case UInt32(S_IFDIR):
                try writer.addDirectory(entry + "/", mode: mode & 0o7777)
                try walk(path, prefix: entry + "/", into: writer)
            case UInt32(S_IFREG):
                try writer.addFile(entry, copying: path, size: Int64(info.st_size), mode: mode & 0o7777)
            case UInt32(S_IFLNK):
                let target: String
                do {
                    target = try FileManager.default.destinationOfSymbolicLink(atPath: path)
                } catch {
                    throw .unreadable(path: path, reason: error.localizedDescription)
                }
                try writer.addSymlink(entry, target: target)
            default:
                continue  // sockets, fifos and devices are not part of an app
            }
        }
    }
}
