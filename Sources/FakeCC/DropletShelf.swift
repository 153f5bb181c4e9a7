import Archive
import Foundation
import HTTPServing

/// Received droplets on disk: `<root>/<app_id>/<upload_id>.tgz` plus `<upload_id>.json` (its
/// `DropletRecord`); uploads in progress in `<root>/.tmp/`. Both land by rename, so a droplet
/// file is always whole. The droplet is synced to disk before it is acknowledged; its record is an
/// index written without a sync (one journal commit less per upload, about 1 ms): one lost or
/// torn in a crash is rebuilt from the droplet by ``list()``. The records survive restarts.
struct DropletShelf: Sendable {
    let root: String
    let tmp: String

    init(root: URL) {
        self.root = root.path
        tmp = root.appendingPathComponent(".tmp").path
    }

    /// Creates the folders and drops uploads a previous run left unfinished.
    func prepare() throws {
        let files = FileManager.default
        try files.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        for leftover in try files.contentsOfDirectory(atPath: tmp) {
            try? files.removeItem(atPath: tmp + "/" + leftover)
        }
    }

    func newUpload() throws(HTTPServiceError) -> HashingFileWriter {
        try HashingFileWriter(path: tmp + "/" + UUID().uuidString + ".upload")
    }

    func dropletPath(app: Identifier, upload: Identifier) -> String { "\(root)/\(app)/\(upload).tgz" }

    /// Moves a finished upload into place and writes its record.
    func keep(_ upload: HashingFileWriter, as record: DropletRecord) async throws {
        let folder = "\(root)/\(record.appID)"
        let (source, target) = (upload.path, "\(folder)/\(record.uploadID).tgz")
        let recordTemp = tmp + "/" + UUID().uuidString + ".json"
        let json = try JSONEncoder.sorted.encode(record)
        try await BlockingIO.run {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            guard rename(source, target) == 0 else { throw HTTPServiceError.io("cannot move the upload to", target, errno: errno) }
            try SmallFile.write(Array(json), to: recordTemp)
            guard rename(recordTemp, "\(folder)/\(record.uploadID).json") == 0 else {
                throw HTTPServiceError.io("cannot write the record of", target, errno: errno)
            }
        }
    }

    /// Every droplet's record, oldest first; a droplet whose record is missing or unreadable gets
    /// one made from the file (its sha256 computed, received when it was last written).
    func list() async throws -> [DropletRecord] {
        let root = self.root
        return try await BlockingIO.run {
            let files = FileManager.default
            var records: [DropletRecord] = []
            for app in try files.contentsOfDirectory(atPath: root) where !app.hasPrefix(".") {
                let folder = root + "/" + app
                guard let names = try? files.contentsOfDirectory(atPath: folder) else { continue }
                for name in names where name.hasSuffix(".tgz") {
                    let upload = String(name.dropLast(4))
                    if let data = files.contents(atPath: "\(folder)/\(upload).json"),
                       let record = try? JSONDecoder().decode(DropletRecord.self, from: data),
                       record.appID == app, record.uploadID == upload {
                        records.append(record)
                    } else if let record = Self.rebuild(app: app, upload: upload, path: "\(folder)/\(name)") {
                        records.append(record)
                    }
                }
            }
            return records.sorted { ($0.receivedAt, $0.appID, $0.uploadID) < ($1.receivedAt, $1.appID, $1.uploadID) }
        }
    }
}

extension DropletShelf {
    /// The record of the droplet at `path`, made from the file; nil when it cannot be read.
    static func rebuild(app: String, upload: String, path: String) -> DropletRecord? {
        guard let digest = try? FileDigest.sha256(of: URL(fileURLWithPath: path)) else { return nil }
        let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? Date(timeIntervalSince1970: 0)
        return DropletRecord(appID: app, uploadID: upload, size: digest.size, sha256: digest.sha256,
                             receivedAt: Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(modified))
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
