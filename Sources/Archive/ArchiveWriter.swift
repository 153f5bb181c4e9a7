import CArchive
import Foundation

/// Writes a zip or a gzip'd tar entry by entry, streaming to disk and computing sha256 as it
/// goes. Entries get a fixed owner and mtime so the same input gives the same bytes.
public final class ArchiveWriter {
    public enum Format: Sendable { case zip, tarGzip }

    /// Fixed metadata stamped on every entry (reproducible output).
    public struct Stamp: Sendable {
        public var uid: Int64 = 2000
        public var gid: Int64 = 2000
        public var owner = "vcap"
        /// 1980-01-01T00:00:00Z, the earliest time a zip can hold.
        public var mtime = 315_532_800
        /// Keep each file's own uid/gid instead (root filesystems need their owners).
        public var preserveOwners = false
        public init() {}
    }

    private let archive: OpaquePointer
    private let sink: HashingSink
    private let path: String
    private let label: String
    private let disk: String
    private let stamp: Stamp
    private var finished = false

    /// - Parameters:
    ///   - label: what errors call the archive ("the droplet"); its path when nil.
    ///   - disk: what errors call its disk ("the workspace disk"); "the disk holding <folder>" when nil.
    public init(path: URL, format: Format, stamp: Stamp = Stamp(), label: String? = nil, disk: String? = nil) throws(ArchiveError) {
        self.path = path.path
        self.label = label ?? path.path
        self.disk = disk ?? "the disk holding \(path.deletingLastPathComponent().path)"
        self.stamp = stamp
        try ArchiveLibrary.open()
        guard let sink = HashingSink(path: path.path) else {
            let code = errno
            if DiskFault.isDiskError(code) {
                throw .disk(.capture(code: code, doing: "creating \(self.label)", disk: self.disk, at: path.path))
            }
            throw .writeFailed(path: self.label, reason: String(cString: strerror(code)))
        }
        self.sink = sink
        archive = archive_write_new()
        switch format {
        case .zip:
            archive_write_set_format_zip(archive)
        case .tarGzip:
            archive_write_set_format_pax_restricted(archive)
            if let pigz = Self.parallelGzip {
                // pigz deflates 128 KiB blocks on every core; its output does not depend on the
                // number of threads, and -n leaves name and time out: still reproducible bytes.
                archive_write_add_filter_program(archive, "\(pigz) -n -c")
            } else {
                archive_write_add_filter_gzip(archive)
                // No timestamp in the gzip header: reproducible bytes.
                archive_write_set_options(archive, "gzip:!timestamp")
            }
        }
        archive_write_set_bytes_in_last_block(archive, 1)
        let opened = archive_write_open(archive, Unmanaged.passUnretained(sink).toOpaque(), nil, { _, client, buffer, length in
            guard let client, let buffer else { return -1 }
            let sink = Unmanaged<HashingSink>.fromOpaque(client).takeUnretainedValue()
            return sink.write(UnsafeRawBufferPointer(start: buffer, count: length)) ? length : -1
        }, nil)
        guard opened == ARCHIVE_OK else {
            let reason = archiveMessage(archive)
            archive_write_free(archive)
            _ = sink.finish()
            throw .writeFailed(path: self.label, reason: reason)
        }
    }

    /// pigz, when installed (Debian's `pigz`): gzip on all cores. Without it, libarchive's own
    /// single-threaded zlib writer packs the same format.
    static let parallelGzip: String? = ["/usr/bin/pigz", "/bin/pigz"].first { access($0, X_OK) == 0 }

    deinit {
        if !finished {
            archive_write_free(archive)
            _ = sink.finish()
        }
    }

    public func addDirectory(_ name: String, mode: UInt32 = 0o755) throws(ArchiveError) {
        try header(name, type: .directory, mode: mode)
    }

    public func addFile(_ name: String, contents: some DataProtocol, mode: UInt32 = 0o644) throws(ArchiveError) {
        let bytes = Array(contents)
        try header(name, type: .regular, mode: mode, size: Int64(bytes.count))
        let failure: ArchiveError? = bytes.withUnsafeBytes { buffer in
            do throws(ArchiveError) { try data(buffer, entry: name) } catch { return error }
            return nil
        }
        if let failure { throw failure }
    }

    /// Streams a file from disk into the archive in 256 KiB chunks.
    public func addFile(_ name: String, copying source: String, size: Int64, mode: UInt32) throws(ArchiveError) {
        let fd = open(source, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable(path: source, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        try header(name, type: .regular, mode: mode, size: size)
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        defer { chunk.deallocate() }
        var remaining = size
        while remaining > 0 {
            let n = read(fd, chunk.baseAddress, min(chunk.count, Int(remaining)))
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw .unreadable(path: source, reason: n == 0 ? "file shrank while packing" : String(cString: strerror(errno))) }
            try data(UnsafeRawBufferPointer(rebasing: chunk[0..<n]), entry: name)
            remaining -= Int64(n)
        }
    }

    public func addSymlink(_ name: String, target: String) throws(ArchiveError) {
        try header(name, type: .symlink, mode: 0o777) { archive_entry_set_symlink($0, target) }
    }

    public func addHardlink(_ name: String, target: String) throws(ArchiveError) {
        try header(name, type: .regular, mode: 0o644) { archive_entry_set_hardlink($0, target) }
    }

    /// For tests of hostile archives: entries no honest app package contains.
    public func addFifo(_ name: String) throws(ArchiveError) {
        try header(name, type: .fifo, mode: 0o644)
    }

    /// Closes the archive and returns its digest. The writer cannot be used afterwards.
    public func finish() throws(ArchiveError) -> ArchiveDigest {
        finished = true
        let closed = archive_write_close(archive)
        let reason = archiveMessage(archive)
        archive_write_free(archive)
        let digest = sink.finish()
        if let code = sink.failure { throw sinkFailure(code) }
        guard closed == ARCHIVE_OK else { throw .writeFailed(path: label, reason: reason) }
        return digest
    }

    /// The error for a failed write of the archive file itself.
    private func sinkFailure(_ code: Int32) -> ArchiveError {
        if DiskFault.isDiskError(code) {
            return .disk(.capture(code: code, doing: "writing \(label)", disk: disk, at: path))
        }
        return .writeFailed(path: label, reason: String(cString: strerror(code)))
    }

    /// The next entry's owner when `Stamp.preserveOwners` is set.
    var nextOwner: (uid: Int64, gid: Int64)?

    private func header(_ name: String, type: EntryType, mode: UInt32, size: Int64 = 0,
                        configure: (OpaquePointer?) -> Void = { _ in }) throws(ArchiveError) {
        let entry = archive_entry_new()
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname(entry, name)
        archive_entry_set_filetype(entry, type.rawValue)
        archive_entry_set_perm(entry, mode_t(mode & 0o7777))
        archive_entry_set_size(entry, size)
        if stamp.preserveOwners, let owner = nextOwner {
            archive_entry_set_uid(entry, owner.uid)
            archive_entry_set_gid(entry, owner.gid)
        } else {
            archive_entry_set_uid(entry, stamp.uid)
            archive_entry_set_gid(entry, stamp.gid)
            archive_entry_set_uname(entry, stamp.owner)
            archive_entry_set_gname(entry, stamp.owner)
        }
        archive_entry_set_mtime(entry, stamp.mtime, 0)
        configure(entry)
        // Names are converted to UTF-8 (zip, pax) through the locale: write them under C.UTF-8.
        guard UTF8Names.using({ archive_write_header(archive, entry) }) >= ARCHIVE_WARN else {
            if let code = sink.failure { throw sinkFailure(code) }
            throw .writeFailed(path: label, reason: "\(name): \(archiveMessage(archive))")
        }
    }

    private func data(_ buffer: UnsafeRawBufferPointer, entry: String) throws(ArchiveError) {
        guard buffer.count > 0 else { return }
        guard archive_write_data(archive, buffer.baseAddress, buffer.count) >= 0 else {
            if let code = sink.failure { throw sinkFailure(code) }
            throw .writeFailed(path: label, reason: "\(entry): \(archiveMessage(archive))")
        }
    }
}
