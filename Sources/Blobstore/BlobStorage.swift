import Foundation
import HTTPServing

/// The store on disk: `blobs/<key>` holds the bytes, `meta/<key>.sha256` the sidecar
/// (`<sha256> <size> <inode>`), `tmp/` uploads in progress. A blob appears only by rename
/// from `tmp/`, so readers never see a partial one.
struct BlobStorage: Sendable {
    let root: URL
    let blobs: String
    let meta: String
    let tmp: String

    init(root: URL) {
        self.root = root
        blobs = root.appendingPathComponent("blobs").path
        meta = root.appendingPathComponent("meta").path
        tmp = root.appendingPathComponent("tmp").path
    }

    /// Makes the store's folders (and the root, if missing) and drops uploads a previous run left
    /// unfinished; throws a sentence saying what is in the way.
    func prepare() throws {
        let files = FileManager.default
        var isFolder: ObjCBool = false
        if files.fileExists(atPath: root.path, isDirectory: &isFolder), !isFolder.boolValue {
            throw BlobStorageError(message: "it is a file, not a folder; give --dir a folder (made if missing)")
        }
        for folder in [blobs, meta, tmp] {
            do {
                try files.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw BlobStorageError(message: "cannot make \(folder): \(error.localizedDescription)")
            }
        }
        for leftover in try files.contentsOfDirectory(atPath: tmp) {
            try? files.removeItem(atPath: tmp + "/" + leftover)
        }
    }

    /// Bytes free for uploads on the store's disk, or nil when the disk cannot be asked.
    func freeBytes() -> Int64? {
        var info = statvfs()
        guard statvfs(tmp, &info) == 0 else { return nil }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }

    func blobPath(_ key: BlobKey) -> String { blobs + "/" + key.value }
    func sidecarPath(_ key: BlobKey) -> String { meta + "/" + key.value + ".sha256" }

    func newUpload() throws(HTTPServiceError) -> HashingFileWriter {
        try HashingFileWriter(path: tmp + "/" + UUID().uuidString + ".upload")
    }

    /// Moves a finished upload into place as `key`, then its sidecar. The sidecar is written
    /// first, so a disk too full for it fails the PUT before anything is in place.
    func commit(_ upload: HashingFileWriter, _ written: HashingFileWriter.Written, as key: BlobKey) async throws {
        let (source, target, sidecar) = (upload.path, blobPath(key), sidecarPath(key))
        let sidecarTemp = tmp + "/" + UUID().uuidString + ".sha256"
        try await BlockingIO.run { () throws in
            try Self.makeParent(of: target, key: key)
            try Self.makeParent(of: sidecar, key: key)
            try SmallFile.write(Array("\(written.sha256) \(written.size) \(written.inode)\n".utf8), to: sidecarTemp)
            guard rename(source, target) == 0 else {
                let code = errno
                unlink(sidecarTemp)
                if code == EISDIR || code == ENOTEMPTY || code == EEXIST {
                    throw HTTPServiceError(.conflict, "cannot store \(key): it is a folder of other blobs")
                }
                throw HTTPServiceError.io("cannot move the upload to", target, errno: code)
            }
            guard rename(sidecarTemp, sidecar) == 0 else { throw HTTPServiceError.io("cannot move the sidecar to", sidecar, errno: errno) }
        }
    }

    /// The blob and its sha256, or nil when there is none. The sidecar is trusted only when it
    /// describes this very file (same size and inode); otherwise the sum is computed.
    func open(_ key: BlobKey) async throws -> (blob: OpenFile, sha256: String)? {
        let (path, sidecar) = (blobPath(key), sidecarPath(key))
        // One trip to a blocking thread: the blob opened (a small one read whole) and its sidecar read.
        guard let (blob, recorded) = try await BlockingIO.run({ () throws -> (OpenFile, String?)? in
            guard let blob = try OpenFile.openNow(path) else { return nil }
            return (blob, try? String(contentsOfFile: sidecar, encoding: .utf8))
        }) else { return nil }
        let fields = (recorded ?? "").split(whereSeparator: \.isWhitespace)
        if fields.count == 3, Int64(fields[1]) == blob.size, UInt64(fields[2]) == blob.inode {
            return (blob, String(fields[0]))
        }
        return (blob, try await blob.computeSHA256())
    }

    /// Removes the blob and its sidecar; false when there was no such blob.
    func delete(_ key: BlobKey) async throws -> Bool {
        let (target, sidecar) = (blobPath(key), sidecarPath(key))
        return try await BlockingIO.run { () throws -> Bool in
            var info = stat()
            guard lstat(target, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
            guard unlink(target) == 0 else {
                if errno == ENOENT { return false }
                throw HTTPServiceError.io("cannot delete", target, errno: errno)
            }
            unlink(sidecar)
            return true
        }
    }

    private static func makeParent(of path: String, key: BlobKey) throws(HTTPServiceError) {
        let parent = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            var ancestor = parent
            while ancestor.count > 1 {
                var info = stat()
                if lstat(ancestor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG {
                    throw HTTPServiceError(.conflict, "cannot store \(key): a blob already uses part of its path as its own key")
                }
                ancestor = (ancestor as NSString).deletingLastPathComponent
            }
            throw HTTPServiceError(.internalServerError, "cannot create \(parent): \(error.localizedDescription)")
        }
    }
}

/// The store's folder cannot be used; the message says why.
struct BlobStorageError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
