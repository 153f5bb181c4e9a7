import CArchive
import Foundation

/// Unpacks an untrusted zip or tar(.gz) into a new directory, refusing anything that could
/// escape it or exhaust the disk, and anything damaged: every libarchive warning, reading or
/// writing, is an error. On any error the destination is removed again.
public enum Unpacker {
    public struct Summary: Sendable, Equatable {
        public let entries: Int
        public let bytes: Int64
    }

    /// How errors name the archive, the destination and its disk. Services name them by role
    /// ("the app directory") so no workspace path reaches a reply; the default is the paths.
    public struct Naming: Sendable {
        public var archive: String
        public var destination: String
        public var disk: String

        public init(archive: String, destination: String, disk: String) {
            self.archive = archive
            self.destination = destination
            self.disk = disk
        }

        static func paths(_ archive: URL, _ destination: URL) -> Naming {
            Naming(archive: archive.path, destination: destination.path,
                   disk: "the disk holding \(destination.deletingLastPathComponent().path)")
        }
    }

    /// - Parameters:
    ///   - owner: when given, every unpacked entry is owned by this uid/gid (needs root).
    ///   - naming: how errors call the archive and destination; their paths when nil.
    public static func unpack(_ archivePath: URL, into destination: URL,
                              limits: UnpackLimits = .appPackage,
                              owner: (uid: UInt32, gid: UInt32)? = nil,
                              naming: Naming? = nil) throws(ArchiveError) -> Summary {
        try ArchiveLibrary.open()
        let naming = naming ?? .paths(archivePath, destination)
        // Count first (headers only, nothing written): an archive of a million empty files is refused
        // in milliseconds instead of after creating and deleting 100,000 of them.
        try checkEntryCount(archivePath, limits: limits)
        guard mkdir(destination.path, 0o755) == 0 else {
            let code = errno
            if DiskFault.isDiskError(code) {
                throw .disk(.capture(code: code, doing: "creating \(naming.destination)", disk: naming.disk,
                                     at: destination.deletingLastPathComponent().path))
            }
            throw .writeFailed(path: naming.destination, reason: "it must be a new directory (\(String(cString: strerror(code))))")
        }
        do throws(ArchiveError) {
            return try UTF8Names.using { () throws(ArchiveError) -> Summary in
                try extract(archivePath, into: destination.standardizedFileURL.path, limits: limits, owner: owner, naming: naming)
            }
        } catch {
            try? FileManager.default.removeItem(at: destination)
            throw error
        }
    }

    /// Checks `archivePath` by every rule ``unpack(_:into:limits:owner:naming:)`` applies (names,
    /// entry types, links, sizes, compression ratio) and writes nothing: for a package that is
    /// unpacked elsewhere (on the cell that builds it).
    public static func validate(_ archivePath: URL, limits: UnpackLimits = .appPackage,
                                naming: Naming? = nil) throws(ArchiveError) -> Summary {
        try ArchiveLibrary.open()
        let naming = naming ?? .paths(archivePath, URL(fileURLWithPath: "/"))
        try checkEntryCount(archivePath, limits: limits)
        return try UTF8Names.using { () throws(ArchiveError) -> Summary in
            try extract(archivePath, into: nil, limits: limits, owner: nil, naming: naming)
        }
    }

    /// libarchive's disk writer. Making one reads the umask by setting it to 0 for an instant, so
    /// this thread first takes its own umask (same value; nothing in Pipette changes it later):
    /// files other threads create in that instant keep theirs.
    private static func newDiskWriter() -> OpaquePointer? {
        _ = pipette_own_umask()
        return archive_write_disk_new()
    }

    /// Reads every entry of `archivePath`, checking it, and writes it under `root` (nothing is
    /// written when `root` is nil).
    private static func extract(_ archivePath: URL, into root: String?, limits: UnpackLimits,
                                owner: (uid: UInt32, gid: UInt32)?, naming: Naming) throws(ArchiveError) -> Summary {
        guard FileManager.default.isReadableFile(atPath: archivePath.path) else {
            throw .unreadable(path: naming.archive, reason: "no such readable file")
        }
        let reader = newReader()
        defer { archive_read_free(reader) }
        guard archive_read_open_filename(reader, archivePath.path, 64 * 1024) == ARCHIVE_OK else {
            throw .corrupt(reason: archiveMessage(reader).replacingOccurrences(of: archivePath.path, with: naming.archive))
        }

        let writer = root == nil ? nil : newDiskWriter()
        defer { if let writer { archive_write_free(writer) } }
        // Names are checked and rebased onto `root` below; libarchive's own guards stay on as a
        // second line (no writing through symlinks, no `..`), except for absolute paths, which
        // the rebased names are.
        var flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_SYMLINKS
            | ARCHIVE_EXTRACT_SECURE_NODOTDOT
        if owner != nil { flags |= ARCHIVE_EXTRACT_OWNER }
        if let writer { archive_write_disk_set_options(writer, flags) }

        var context = WriteContext(writer: writer, root: root ?? "", naming: naming)
        var links = LinkTree()
        var entries = 0
        var written: Int64 = 0
        var entry: OpaquePointer?
        while true {
            let status = archive_read_next_header(reader, &entry)
            if status == ARCHIVE_EOF { break }
            let name = entry.flatMap { String(archiveString: archive_entry_pathname($0)) } ?? "<unnamed entry>"
            guard status == ARCHIVE_OK, let entry else {
                if status == ARCHIVE_WARN, entry != nil {
                    throw .damagedEntry(entry: name, reason: archiveMessage(reader))
                }
                throw .corrupt(reason: archiveMessage(reader))
            }
            entries += 1
            if entries > limits.maxEntries { throw .tooManyEntries(limit: limits.maxEntries) }

            let parts = try EntryPath.components(of: name)
            if parts.isEmpty { continue }
            try check(entry, name: name, parts: parts, links: &links, declaredTotal: written, limits: limits)
            context.entry = name
            guard let root else {
                written = try copyData(reader, &context, entry: name, written: written, limits: limits)
                continue
            }

            archive_entry_set_pathname(entry, root + "/" + parts.joined(separator: "/"))
            if let target = String(archiveString: archive_entry_hardlink(entry)) {
                archive_entry_set_hardlink(entry, root + "/" + (try EntryPath.components(of: target)).joined(separator: "/"))
            }
            archive_entry_set_perm(entry, archive_entry_perm(entry) & 0o777)
            if let owner {
                archive_entry_set_uid(entry, la_int64_t(owner.uid))
                archive_entry_set_gid(entry, la_int64_t(owner.gid))
            }
            try context.check(archive_write_header(writer, entry))
            written = try copyData(reader, &context, entry: name, written: written, limits: limits)
            try context.check(archive_write_finish_entry(writer))
        }
        try links.checkAll()
        return Summary(entries: entries, bytes: written)
    }

    /// A libarchive reader for the formats an app package may be: zip, tar, gzip'd tar.
    private static func newReader() -> OpaquePointer? {
        let reader = archive_read_new()
        archive_read_support_format_zip(reader)
        archive_read_support_format_tar(reader)
        archive_read_support_format_gnutar(reader)
        archive_read_support_filter_gzip(reader)
        archive_read_support_filter_none(reader)
        return reader
    }

    /// For a zip, reads the headers alone and refuses more than `maxEntries` entries. A zip's
    /// entries are skipped without inflating them, so this costs little; a gzip'd tar would have to
    /// be decompressed twice, so tars are counted during the real pass only. Errors in the archive
    /// itself are left to the real pass, which names them.
    private static func checkEntryCount(_ archivePath: URL, limits: UnpackLimits) throws(ArchiveError) {
        let reader = newReader()
        defer { archive_read_free(reader) }
        guard archive_read_open_filename(reader, archivePath.path, 64 * 1024) == ARCHIVE_OK else { return }
        var entry: OpaquePointer?
        var count = 0
        while archive_read_next_header(reader, &entry) >= ARCHIVE_WARN {
            guard archive_format(reader) & ARCHIVE_FORMAT_BASE_MASK == ARCHIVE_FORMAT_ZIP else { return }
            count += 1
            if count > limits.maxEntries { throw .tooManyEntries(limit: limits.maxEntries) }
            guard archive_read_data_skip(reader) >= ARCHIVE_WARN else { return }
        }
    }

    /// Entry-level rules: allowed types, links inside the root, declared size within limits.
    private static func check(_ entry: OpaquePointer, name: String, parts: [String], links: inout LinkTree,
                              declaredTotal: Int64, limits: UnpackLimits) throws(ArchiveError) {
        let mode = UInt32(archive_entry_filetype(entry))
        if let target = String(archiveString: archive_entry_hardlink(entry)) {
            try EntryPath.checkHardlink(entry: name, target: target)
            try links.checkNotALink(parts, entry: name)
            try links.checkHardlink(target: EntryPath.components(of: target), entry: name, target: target)
            return
        }
        switch EntryType(mode: mode) {
        case .regular, .directory:
            try links.checkNotALink(parts, entry: name)
        case .symlink:
            let target = String(archiveString: archive_entry_symlink(entry)) ?? ""
            try EntryPath.checkSymlink(entry: name, target: target)
            try links.add(parts, entry: name, target: target)
        case let other?:
            throw .unsupportedEntryType(entry: name, kind: other.label)
        case nil:
            throw .unsupportedEntryType(entry: name, kind: "entry of unknown type")
        }
        if archive_entry_size_is_set(entry) != 0,
           declaredTotal + archive_entry_size(entry) > limits.maxTotalBytes {
            throw .tooLarge(entry: name, limitBytes: limits.maxTotalBytes)
        }
    }

    /// Streams one entry's data, enforcing the size and compression-ratio limits as it goes.
    private static func copyData(_ reader: OpaquePointer?, _ context: inout WriteContext, entry: String,
                                 written start: Int64, limits: UnpackLimits) throws(ArchiveError) -> Int64 {
        var written = start
        var buffer: UnsafeRawPointer?
        var size = 0
        var offset: la_int64_t = 0
        while true {
            let status = archive_read_data_block(reader, &buffer, &size, &offset)
            if status == ARCHIVE_EOF { return written }
            guard status == ARCHIVE_OK else {
                if status == ARCHIVE_WARN { throw .damagedEntry(entry: entry, reason: archiveMessage(reader)) }
                throw .corrupt(reason: "\(entry): \(archiveMessage(reader))")
            }
            written += Int64(size)
            if written > limits.maxTotalBytes {
                throw .tooLarge(entry: entry, limitBytes: limits.maxTotalBytes)
            }
            let consumed = max(archive_filter_bytes(reader, -1), 1)
            if written > limits.ratioGraceBytes, written / consumed > limits.maxCompressionRatio {
                throw .compressionRatio(entry: entry, ratio: Int(written / consumed), limit: limits.maxCompressionRatio)
            }
            if let writer = context.writer { try context.check(archive_write_data_block(writer, buffer, size, offset)) }
        }
    }

    /// Turns a disk writer status into an error: anything but OK stops the unpack (libarchive
    /// answers a full disk with a mere warning and leaves zero-filled files).
    private struct WriteContext {
        let writer: OpaquePointer?
        let root: String
        let naming: Naming
        var entry = ""

        func check(_ status: some BinaryInteger) throws(ArchiveError) {
            guard status < ARCHIVE_OK else { return }
            let code = archive_errno(writer)
            if DiskFault.isDiskError(code) {
                throw .disk(.capture(code: code, doing: "unpacking entry \(entry) into \(naming.destination)",
                                     disk: naming.disk, at: root))
            }
            // libarchive's messages name the rebased path; errors name entries only.
            throw .writeFailed(path: entry, reason: archiveMessage(writer)
                .replacingOccurrences(of: root + "/", with: "").replacingOccurrences(of: root, with: naming.destination))
        }
    }
}
