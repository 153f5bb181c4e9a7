import Foundation

/// Packs a directory tree into a reproducible gzip tar (droplets, stacks) or zip (app
/// packages): entries sorted by name, fixed owner and mtime, modes and symlinks kept, hard
/// links stored as files; sockets, fifos and devices left out.
public enum TreePacker {
    /// On any error the partly written `output` is removed: nothing half-packed is left behind.
    /// `label` and `disk` name the archive and its disk in errors (see `ArchiveWriter`).
    public static func pack(_ directory: URL, to output: URL, format: ArchiveWriter.Format = .tarGzip,
                            stamp: ArchiveWriter.Stamp = .init(),
                            label: String? = nil, disk: String? = nil) throws(ArchiveError) -> ArchiveDigest {
        do {
            let writer = try ArchiveWriter(path: output, format: format, stamp: stamp, label: label, disk: disk)
            try walk(directory.path, prefix: "", into: writer)
            return try writer.finish()
        } catch {
            unlink(output.path)
            throw error
        }
    }

    private static func walk(_ directory: String, prefix: String, into writer: ArchiveWriter) throws(ArchiveError) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw .unreadable(path: directory, reason: error.localizedDescription)
        }
        for name in names.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            let path = directory + "/" + name
            let entry = prefix + name
            var info = stat()
            guard lstat(path, &info) == 0 else {
                throw .unreadable(path: path, reason: String(cString: strerror(errno)))
            }
            let mode = UInt32(info.st_mode)
            writer.nextOwner = (Int64(info.st_uid), Int64(info.st_gid))
            switch EntryType(mode: mode) {
            case .directory:
                try writer.addDirectory(entry + "/", mode: mode & 0o7777)
                try walk(path, prefix: entry + "/", into: writer)
            case .regular:
                try writer.addFile(entry, copying: path, size: Int64(info.st_size), mode: mode & 0o7777)
            case .symlink:
                try writer.addSymlink(entry, target: try linkTarget(path))
            default:
                continue  // sockets, fifos and devices have no place in a droplet
            }
        }
    }

    private static func linkTarget(_ path: String) throws(ArchiveError) -> String {
        do {
            return try FileManager.default.destinationOfSymbolicLink(atPath: path)
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
    }
}
