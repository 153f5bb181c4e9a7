import Archive
import Foundation
import NATS
import PipetteCore
import Stager
import Testing
import TestSupport
import Transfer

/// Staging with an S3 bucket as the blobstore, on a real S3 store (radosgw on one-node Ceph,
/// `scripts/s3.sh`): the droplet goes to the bucket (the package stays where the cloud
/// controller keeps it: the cell fetches it from there), cells get presigned URLs only, and a
/// store that refuses the keys or lacks the bucket is a sentence in the reply, before any build.
@Suite("S3 blobstore backend", .serialized)
struct S3BackendTests {
    static func platform(_ server: S3Server, bucket: String, credentials: String, cell: String) async throws -> Platform {
        try await Platform(cells: [StagingOnCellsTests.cell(cell, stacks: ["tiny-amd64"])]) { config in
            config.blobstoreURL = "s3://\(bucket)?endpoint=\(server.endpoint)&region=us-east-1"
            config.blobstoreSecret = nil
            config.s3CredentialsFile = credentials
        }
    }

    @Test func stagesTheStaticAppThroughAnS3BucketHandingCellsPresignedURLs() async throws {
        let server = try await S3Server.shared()
        let bucket = try await server.makeBucket("stage")
        let work = try TemporaryDirectory("s3-stage")
        defer { work.remove() }
        let platform = try await Self.platform(server, bucket: bucket, credentials: try server.credentialsFile(in: work),
                                               cell: "s3-cell-1")
        let watcher = try await platform.client()
        let placements = try watcher.subscribe([Subjects.placeTask], bufferSize: 16)
        try await watcher.flush()

        let reply = try await platform.stage(platform.seedRequest("static"))
        #expect(reply.error == nil, "\(reply.error ?? "")")
        #expect(reply.cellID == "s3-cell-1")
        let droplet = try #require(reply.droplet)
        let blobURL = try #require(droplet.blobURL)
        #expect(blobURL.hasPrefix("\(server.endpoint)/\(bucket)/droplets/static/"), "\(blobURL)")
        #expect(blobURL.contains("X-Amz-Signature=") && !blobURL.contains(server.secretAccessKey))

        let keys = try await server.keys(in: bucket)
        #expect(!keys.contains { $0.hasPrefix("packages/") }, "the package never passes through the store: \(keys)")
        #expect(keys.contains { $0.hasPrefix("droplets/static/") && $0.hasSuffix(".tgz") }, "\(keys)")
        #expect(keys.contains { $0.hasPrefix("checks/") }, "the stager checked the store takes writes: \(keys)")

        // What the cell was given: presigned URLs into the bucket, no key of the store.
        var placed: TaskPlacementRequest?
        for await message in placements {
            placed = try Wire.decode(TaskPlacementRequest.self, from: message.payload)
            break
        }
        placements.unsubscribe()
        let task = try #require(placed?.task)
        #expect(task.packageURL == "\(platform.ccURL)/download_unstaged_app/static", "the cell fetches the package itself")
        for url in [task.dropletUploadURL] {
            #expect(url.hasPrefix("\(server.endpoint)/\(bucket)/"), "\(url)")
            #expect(url.contains("X-Amz-Algorithm=AWS4-HMAC-SHA256") && url.contains("X-Amz-Signature="), "\(url)")
            #expect(!url.contains(server.secretAccessKey), "a cell never holds the store's secret key")
        }

        // The reply's droplet URL downloads the droplet the reply describes.
        let file = work.file("droplet.tgz")
        let download = try await shell("/usr/bin/curl", ["-fsS", "-o", file.path, blobURL])
        #expect(download.status == 0, "\(download.output)")
        #expect(try FileDigest.sha256(of: file).sha256 == droplet.sha256)
        await platform.stop()
    }

    /// Keys the store refuses, then a bucket it does not have: each a sentence in the reply (no
    /// secret in it), and the stager answers the next request as well.
    @Test func refusedKeysAndAMissingBucketAreSentencesAndTheStagerKeepsAnswering() async throws {
        let server = try await S3Server.shared()
        let work = try TemporaryDirectory("s3-bad")
        defer { work.remove() }
        let wrongSecret = "wrong-secret-\(UUID().uuidString.prefix(6))"
        let cases: [(bucket: String, credentials: String, says: [String])] = [
            (try await server.makeBucket("keys"), try server.credentialsFile(in: work, secret: wrongSecret),
             ["Cannot store droplets in the blobstore", "HTTP 403", "refused the credentials from profile default of"]),
            ("no-such-bucket-\(UUID().uuidString.prefix(6).lowercased())", try server.credentialsFile(in: work),
             ["Cannot store droplets in the blobstore", "HTTP 404", "does not exist", "s3 mb s3://no-such-bucket-"]),
        ]
        // moto's server (the fallback store) accepts any signature, so refused keys are radosgw's case only.
        for (index, item) in cases.enumerated() where server.kind == "radosgw" || index > 0 {
            let platform = try await Self.platform(server, bucket: item.bucket, credentials: item.credentials,
                                                   cell: "s3-bad-\(index)")
            for _ in 0..<2 {
                let reply = try await platform.stage(platform.seedRequest("static"), timeout: .seconds(60))
                let error = try #require(reply.error, "staging into \(item.bucket) did not fail")
                for words in item.says { #expect(error.contains(words), "\(error)") }
                #expect(reply.cellID == nil, "refused before any cell built: \(error)")
                #expect(!error.contains(wrongSecret) && !error.contains(server.secretAccessKey), "\(error)")
                #expect(!error.contains("X-Amz-Signature=") || error.contains("X-Amz-Signature=REDACTED"), "\(error)")
            }
            await platform.stop()
        }
    }

    /// The client's own round trip on the store: put, a GET URL that downloads, delete (S3 says
    /// 204 for a missing key too, which is no error).
    @Test func blobstoreClientPutsGetsAndDeletesOnS3() async throws {
        let server = try await S3Server.shared()
        let bucket = try await server.makeBucket("client")
        let work = try TemporaryDirectory("s3-client")
        defer { work.remove() }
        let location = try BlobstoreLocation.resolve("s3://\(bucket)?endpoint=\(server.endpoint)",
                                                     credentialsFile: try server.credentialsFile(in: work))
        let client = BlobstoreClient(location: location, transfer: HTTPTransfer())
        let file = try work.write("blob", String(repeating: "pipette ", count: 10_000))
        let key = "droplets/odd app/ü ~(1).tgz"
        let url = try await client.put(file, key: key, sha256: try FileDigest.sha256(of: file).sha256, timeout: .seconds(30))
        #expect(client.key(in: url) == key)
        #expect(try await server.keys(in: bucket) == [key])
        let copy = work.file("copy")
        try await client.download(key, to: copy, what: "the blob", timeout: .seconds(30))
        #expect(try Data(contentsOf: copy) == Data(contentsOf: file))
        #expect(try await client.delete(key))
        #expect(try await server.keys(in: bucket).isEmpty)
        _ = try await client.delete("never/there")
    }
}
