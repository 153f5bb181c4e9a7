import Archive
import AsyncHTTPClient
import FakeCC
import Foundation
import NIOCore
import Synchronization
import Testing
import TestSupport
import Transfer

@Suite("Fake cloud controller over HTTP", .timeLimit(.minutes(2)))
struct FakeCCTests {
    let dir: TemporaryDirectory
    init() throws { dir = try TemporaryDirectory("fake-cc") }

    var apps: URL { dir.file("apps") }
    var droplets: URL { dir.file("droplets") }

    /// Runs a fake cloud controller on a free port for `body`, given its base URL.
    func withFakeCC<T: Sendable>(failUploads: Int = 0, _ body: (String) async throws -> T) async throws -> T {
        defer { dir.remove() }
        try FileManager.default.createDirectory(at: apps, withIntermediateDirectories: true)
        let config = FakeCCConfig(appsDirectory: apps, dropletsDirectory: droplets, port: 0, failUploads: failUploads)
        return try await LiveService.withService({ FakeCCService(config: config, logger: LiveService.quiet, onListening: $0) }) { port in
            try await body("http://127.0.0.1:\(port)")
        }
    }

    @Test func appFolderIsServedAsAZipThatUnpacksToTheSameFiles() async throws {
        try dir.write("apps/sinatra/app.rb", "require 'sinatra'\nget('/') { 'hi' }\n")
        try dir.write("apps/sinatra/bin/start", "#!/bin/sh\nexec ruby app.rb\n", mode: 0o755)
        try dir.write("apps/sinatra/config/deep/settings.yml", "a: 1\n")
        try FileManager.default.createDirectory(at: dir.file("apps/sinatra/empty"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir.file("apps/sinatra/current").path, withDestinationPath: "bin/start")
        try await withFakeCC { base in
            let zip = dir.file("download.zip")
            let size = try await HTTPTransfer().download("\(base)/download_unstaged_app/sinatra", to: zip, limit: 1 << 30, timeout: .seconds(60))
            #expect(size > 0)
            let out = dir.file("unpacked")
            _ = try Unpacker.unpack(zip, into: out)
            #expect(filesBelow(out) == filesBelow(apps.appendingPathComponent("sinatra")))
            for file in ["app.rb", "bin/start", "config/deep/settings.yml"] {
                #expect(try Data(contentsOf: out.appendingPathComponent(file)) == Data(contentsOf: apps.appendingPathComponent("sinatra/\(file)")))
            }
            let mode = try FileManager.default.attributesOfItem(atPath: out.appendingPathComponent("bin/start").path)[.posixPermissions] as? Int
            #expect(mode == 0o755)
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out.appendingPathComponent("current").path) == "bin/start")
            var isFolder: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("empty").path, isDirectory: &isFolder) && isFolder.boolValue)

            let again = dir.file("again.zip")
            _ = try await HTTPTransfer().download("\(base)/download_unstaged_app/sinatra", to: again, limit: 1 << 30, timeout: .seconds(60))
            #expect(try FileDigest.sha256(of: again) == FileDigest.sha256(of: zip), "zipping is reproducible")
        }
    }

    @Test func aGivenZipIsServedAsItIs() async throws {
        try FileManager.default.createDirectory(at: apps, withIntermediateDirectories: true)
        let package = apps.appendingPathComponent("my-sinatra-app.zip")
        try randomData(3 << 20).write(to: package)
        try await withFakeCC { base in
            let got = try await Exchange.send(.GET, "\(base)/download_unstaged_app/my-sinatra-app")
            #expect(got.status == 200)
            #expect(got.header("Content-Type") == "application/zip")
            #expect(Data(got.body.readableBytesView) == (try Data(contentsOf: package)))
        }
    }

    @Test func unknownOrInvalidAppsAreRefused() async throws {
        try await withFakeCC { base in
            let unknown = try await Exchange.send(.GET, "\(base)/download_unstaged_app/nope")
            #expect(unknown.status == 404)
            #expect(unknown.text.hasPrefix("no app nope in \(apps.path)"))
            let hidden = try await Exchange.send(.GET, "\(base)/download_unstaged_app/.secret")
            #expect(hidden.status == 400)
            #expect(hidden.text.hasPrefix("invalid app id"))
        }
    }

    @Test func uploadedDropletIsKeptWithItsSumAndListed() async throws {
        let droplet = dir.file("droplet.tgz")
        try randomData(5 << 20 + 17).write(to: droplet)
        let digest = try FileDigest.sha256(of: droplet)
        try await withFakeCC { base in
            let answer = try await HTTPTransfer().postMultipart(droplet, field: "upload[droplet]", filename: "droplet.tgz",
                                                                to: "\(base)/upload_droplet/my-app/upload-1", timeout: .seconds(60))
            #expect(answer.status == 200)
            let record = try JSONDecoder().decode(DropletRecord.self, from: Data(answer.body.utf8))
            #expect(record.appID == "my-app" && record.uploadID == "upload-1")
            #expect(record.size == digest.size && record.sha256 == digest.sha256)
            let kept = droplets.appendingPathComponent("my-app/upload-1.tgz")
            #expect(try FileDigest.sha256(of: kept) == digest)
            #expect(filesBelow(droplets.appendingPathComponent(".tmp")).isEmpty)

            let list = try await Exchange.send(.GET, "\(base)/droplets")
            #expect(list.status == 200)
            let records = try JSONDecoder().decode([DropletRecord].self, from: Data(list.body.readableBytesView))
            #expect(records == [record])
            #expect(list.text.contains("\"received_at\""))
        }
    }

    /// The record is written without a sync (the droplet is synced): one lost or torn in a crash
    /// is made again from the droplet, so a droplet the cloud controller acknowledged is listed.
    @Test func aDropletWhoseRecordWasLostIsStillListedWithItsSum() async throws {
        let droplet = dir.file("droplet.tgz")
        try randomData(70_000).write(to: droplet)
        let digest = try FileDigest.sha256(of: droplet)
        try await withFakeCC { base in
            for upload in ["lost", "torn", "kept"] {
                let answer = try await HTTPTransfer().postMultipart(droplet, field: "upload[droplet]", filename: "droplet.tgz",
                                                                    to: "\(base)/upload_droplet/app/\(upload)", timeout: .seconds(60))
                #expect(answer.status == 200)
            }
            try FileManager.default.removeItem(at: droplets.appendingPathComponent("app/lost.json"))
            try Data("{\"app_id\":\"app\",\"upl".utf8).write(to: droplets.appendingPathComponent("app/torn.json"))
            let list = try await Exchange.send(.GET, "\(base)/droplets")
            let records = try JSONDecoder().decode([DropletRecord].self, from: Data(list.body.readableBytesView))
            #expect(Set(records.map(\.uploadID)) == ["lost", "torn", "kept"], "\(list.text)")
            #expect(records.allSatisfy { $0.appID == "app" && $0.sha256 == digest.sha256 && $0.size == digest.size }, "\(records)")
            #expect(records.allSatisfy { $0.receivedAt.hasPrefix("20") && $0.receivedAt.hasSuffix("Z") }, "\(records)")
        }
    }

    @Test func uploadWithoutTheDropletFieldIs400() async throws {
        try await withFakeCC { base in
            let boundary = "test-boundary"
            let body = "--\(boundary)\r\nContent-Disposition: form-data; name=\"upload[other]\"; filename=\"x\"\r\n\r\nbytes\r\n--\(boundary)--\r\n"
            let got = try await Exchange.send(.POST, "\(base)/upload_droplet/a/u", body: .bytes(ByteBuffer(string: body)),
                                              headers: [("Content-Type", "multipart/form-data; boundary=\(boundary)")])
            #expect(got.status == 400)
            #expect(got.text == "expected multipart field upload[droplet]\n")

            let notMultipart = try await Exchange.send(.POST, "\(base)/upload_droplet/a/u", body: .bytes(ByteBuffer(string: "raw")),
                                                       headers: [("Content-Type", "application/octet-stream")])
            #expect(notMultipart.status == 400)
            #expect(notMultipart.text.contains("multipart/form-data"))

            let list = try await Exchange.send(.GET, "\(base)/droplets")
            #expect(list.text == "[]")
        }
    }

    @Test func failingUploadsAreRetriedUntilTheyStick() async throws {
        let droplet = dir.file("droplet.tgz")
        try randomData(256 << 10).write(to: droplet)
        let retries = Mutex<[Int]>([])
        try await withFakeCC(failUploads: 2) { base in
            let answer = try await HTTPTransfer().postMultipart(
                droplet, field: "upload[droplet]", filename: "droplet.tgz", to: "\(base)/upload_droplet/app/up",
                attempts: 5, firstBackoff: .milliseconds(10), timeout: .seconds(60)) { error, attempt in
                    #expect(error == .httpStatus(code: 500, url: "\(base)/upload_droplet/app/up",
                                                 message: "simulated failure \(attempt) of 2 (fake-cc --fail-uploads)"))
                    retries.withLock { $0.append(attempt) }
                }
            #expect(answer.status == 200)
            #expect(retries.withLock { $0 } == [1, 2])
            let records = try JSONDecoder().decode([DropletRecord].self, from: Data(try await Exchange.send(.GET, "\(base)/droplets").body.readableBytesView))
            #expect(records.count == 1)
            #expect(records.first?.sha256 == (try FileDigest.sha256(of: droplet)).sha256)
        }
    }
}
