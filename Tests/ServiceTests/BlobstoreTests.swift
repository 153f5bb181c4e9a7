import Archive
import AsyncHTTPClient
import Blobstore
import Crypto
import Foundation
import HTTPServing
import NIOCore
import PipetteCore
import Testing
import TestSupport
import Transfer

@Suite("Blobstore over HTTP", .timeLimit(.minutes(2)))
struct BlobstoreTests {
    let dir: TemporaryDirectory
    init() throws { dir = try TemporaryDirectory("blobstore") }

    /// Runs a blobstore on a free port for `body`, given its base URL.
    func withBlobstore<T: Sendable>(secret: String? = nil, maxBlobBytes: Int64 = 64 << 20,
                                    _ body: (String) async throws -> T) async throws -> T {
        defer { dir.remove() }
        let config = BlobstoreConfig(directory: dir.url, secret: secret, port: 0, maxBlobBytes: maxBlobBytes)
        return try await LiveService.withService({ BlobstoreService(config: config, logger: LiveService.quiet, onListening: $0) }) { port in
            try await body("http://127.0.0.1:\(port)")
        }
    }

    func blobFile(_ name: String, bytes: Int) throws -> (URL, ArchiveDigest) {
        let file = dir.file(name)
        try randomData(bytes).write(to: file)
        return (file, try FileDigest.sha256(of: file))
    }

    var storedFiles: [String] { filesBelow(dir.file("blobs")) }
    var uploadsInProgress: [String] { filesBelow(dir.file("tmp")) }

    /// curl sends `Expect: 100-continue` with an upload and waits a second for the interim answer
    /// before sending the body; the blobstore (and fake CC) give it at once, and a refused upload
    /// still gets its final answer.
    /// A file given as its folder is said to be one (it was `NSCocoaErrorDomain error 512`).
    @Test func aFileGivenAsTheFolderIsSaidToBeOne() async throws {
        let file = dir.file("not-a-folder")
        try Data("x".utf8).write(to: file)
        let config = BlobstoreConfig(directory: file, secret: nil, port: 0)
        defer { dir.remove() }
        let error = await #expect(throws: ServiceSetupError.self) {
            try await BlobstoreService(config: config, logger: LiveService.quiet).run()
        }
        #expect(error?.message == "cannot use \(file.path) as the blobstore directory: it is a file, not a folder; "
                + "give --dir a folder (made if missing)")
    }

    @Test func curlUploadsGetAHundredContinueAndARefusalStillComes() async throws {
        let (file, _) = try blobFile("curl.bin", bytes: 300_000)
        try await withBlobstore(secret: "s3cret") { base in
            let signer = BlobURLSigner(secret: "s3cret")
            let url = signer.signedURL(base: base, method: "PUT", key: "x/curl.bin", validFor: 60)
            let put = try await shell("/usr/bin/curl", ["-sv", "-o", "/dev/null", "-w", "%{http_code}\n", "-T", file.path, url])
            #expect(put.output.contains("< HTTP/1.1 100 Continue") && put.output.contains("> Expect: 100-continue"), "\(put.output)")
            #expect(put.output.hasSuffix("201\n"), "\(put.output)")
            let stored = try await shell("/usr/bin/curl", ["-s", "-o", dir.file("back.bin").path, "-w", "%{http_code}",
                                                           signer.signedURL(base: base, method: "GET", key: "x/curl.bin", validFor: 60)])
            #expect(stored.output == "200")
            #expect(try Data(contentsOf: dir.file("back.bin")) == Data(contentsOf: file))
            let unsigned = try await shell("/usr/bin/curl", ["-sv", "-o", "/dev/null", "-w", "%{http_code}\n", "-T", file.path,
                                                             "\(base)/blobs/x/unsigned.bin"])
            #expect(unsigned.output.hasSuffix("403\n") || unsigned.output.hasSuffix("401\n"), "\(unsigned.output)")
        }
        #expect(!storedFiles.contains("x/unsigned.bin"))
    }

    @Test func putThenGetRoundTripsAMultiMegabyteBlob() async throws {
        let (file, digest) = try blobFile("droplet.tgz", bytes: 5 << 20 + 123)
        try await withBlobstore { base in
            let url = "\(base)/blobs/droplets/app-1/abc.tgz"
            let put = try await HTTPTransfer().upload(file, to: url, headers: [("X-Checksum-Sha256", digest.sha256)], timeout: .seconds(60))
            #expect(put.status == 201)
            let stored = try JSONDecoder().decode(StoredBlob.self, from: Data(put.body.utf8))
            #expect(stored.key == "droplets/app-1/abc.tgz")
            #expect(stored.sha256 == digest.sha256)
            #expect(stored.size == digest.size)

            let got = try await Exchange.send(.GET, url)
            #expect(got.status == 200)
            #expect(got.header("Content-Length") == String(digest.size))
            #expect(got.header("X-Checksum-Sha256") == digest.sha256)
            #expect(got.header("ETag") == "\"\(digest.sha256)\"")
            #expect(Data(got.body.readableBytesView) == (try Data(contentsOf: file)))

            let copy = dir.file("copy.tgz")
            let size = try await HTTPTransfer().download(url, to: copy, limit: 1 << 30, timeout: .seconds(60))
            #expect(size == digest.size)
            #expect(try FileDigest.sha256(of: copy) == digest)
            #expect(try String(contentsOf: dir.file("meta/droplets/app-1/abc.tgz.sha256"), encoding: .utf8).hasPrefix(digest.sha256))
        }
    }

    @Test func replacingABlobServesTheNewBytesAndSum() async throws {
        try await withBlobstore { base in
            let url = "\(base)/blobs/caches/app.tgz"
            #expect(try await Exchange.send(.PUT, url, body: .bytes(ByteBuffer(string: "first"))).status == 201)
            #expect(try await Exchange.send(.PUT, url, body: .bytes(ByteBuffer(string: "second!"))).status == 201)
            let got = try await Exchange.send(.GET, url)
            #expect(got.text == "second!")
            #expect(got.header("X-Checksum-Sha256") == SHA256Hex.of("second!"))
        }
    }

    /// A blob's first bytes are read with its opening (a small one whole): every size around
    /// that boundary comes back byte for byte.
    @Test func blobsAroundTheSizeReadWithTheOpeningRoundTrip() async throws {
        let small = OpenFile.smallFileBytes
        try await withBlobstore { base in
            for size in [0, 1, small - 1, small, small + 1, 2 * small + 7, 256 * 1024 + small] {
                let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
                let url = "\(base)/blobs/sizes/\(size)"
                #expect(try await Exchange.send(.PUT, url, body: .bytes(ByteBuffer(bytes: bytes))).status == 201)
                let got = try await Exchange.send(.GET, url)
                #expect(got.status == 200 && Array(got.body.readableBytesView) == bytes, "size \(size): \(got.body.readableBytes) bytes")
                #expect(got.header("Content-Length") == String(size))
            }
        }
    }

    @Test func headGivesTheHeadersWithoutBody() async throws {
        try await withBlobstore { base in
            let url = "\(base)/blobs/packages/p.zip"
            _ = try await Exchange.send(.PUT, url, body: .bytes(ByteBuffer(string: "package bytes")))
            let head = try await Exchange.send(.HEAD, url)
            #expect(head.status == 200)
            #expect(head.header("Content-Length") == "13")
            #expect(head.header("X-Checksum-Sha256") == SHA256Hex.of("package bytes"))
            #expect(head.header("ETag") == "\"\(SHA256Hex.of("package bytes"))\"")
            #expect(head.body.readableBytes == 0)
            #expect(try await Exchange.send(.HEAD, "\(base)/blobs/packages/none.zip").status == 404)
        }
    }

    @Test func deleteRemovesTheBlobAndItsSidecar() async throws {
        try await withBlobstore { base in
            let url = "\(base)/blobs/a/b/c.bin"
            _ = try await Exchange.send(.PUT, url, body: .bytes(ByteBuffer(string: "x")))
            #expect(try await Exchange.send(.DELETE, url).status == 204)
            #expect(try await Exchange.send(.GET, url).status == 404)
            let again = try await Exchange.send(.DELETE, url)
            #expect(again.status == 404)
            #expect(again.text == "no blob a/b/c.bin\n")
            #expect(storedFiles.isEmpty)
            #expect(filesBelow(dir.file("meta")).isEmpty)
        }
    }

    @Test func missingBlobIs404WithTheKey() async throws {
        try await withBlobstore { base in
            let got = try await Exchange.send(.GET, "\(base)/blobs/droplets/nobody/x.tgz")
            #expect(got.status == 404)
            #expect(got.text == "no blob droplets/nobody/x.tgz\n")
            #expect(got.header("Content-Type")?.hasPrefix("text/plain") == true)
            #expect(try await Exchange.send(.GET, "\(base)/healthz").text == "ok")
        }
    }

    @Test func blobsOverTheLimitAreRefusedAndLeaveNothing() async throws {
        let (file, _) = try blobFile("big.bin", bytes: 2 << 20)
        try await withBlobstore(maxBlobBytes: 1 << 20) { base in
            // Content-Length says too much: refused before reading.
            let declared = try await Exchange.send(.PUT, "\(base)/blobs/big-1", body: .bytes(try Data(contentsOf: file)))
            #expect(declared.status == 413)
            #expect(declared.text.contains("over the limit of 1048576 bytes"))
            // No length given: refused once the running count passes the limit.
            let chunks = AsyncStream<ByteBuffer> { continuation in
                for _ in 0..<32 { continuation.yield(ByteBuffer(repeating: 7, count: 64 << 10)) }
                continuation.finish()
            }
            let streamed = try await Exchange.send(.PUT, "\(base)/blobs/big-2", body: .stream(chunks, length: .unknown))
            #expect(streamed.status == 413)
            #expect(try await Exchange.send(.GET, "\(base)/blobs/big-2").status == 404)
            #expect(storedFiles.isEmpty)
            #expect(uploadsInProgress.isEmpty)
        }
    }

    @Test func checksumMismatchIsRefusedAndNothingStored() async throws {
        try await withBlobstore { base in
            let wrong = SHA256Hex.of("something else")
            let put = try await Exchange.send(.PUT, "\(base)/blobs/k", body: .bytes(ByteBuffer(string: "payload")),
                                              headers: [("X-Checksum-Sha256", wrong)])
            #expect(put.status == 400)
            #expect(put.text.hasPrefix("sha256 mismatch: expected \(wrong), got \(SHA256Hex.of("payload"))"))
            #expect(try await Exchange.send(.GET, "\(base)/blobs/k").status == 404)
            #expect(storedFiles.isEmpty)
            #expect(uploadsInProgress.isEmpty)
            let malformed = try await Exchange.send(.PUT, "\(base)/blobs/k", body: .bytes(ByteBuffer(string: "payload")),
                                                    headers: [("X-Checksum-Sha256", "abc")])
            #expect(malformed.status == 400)
        }
    }

    /// A GET during a slow PUT of a new key sees no blob at all, never part of one.
    @Test func readersNeverSeeAPartialBlob() async throws {
        try await withBlobstore { base in
            let url = "\(base)/blobs/droplets/slow.tgz"
            let (body, writer) = AsyncStream.makeStream(of: ByteBuffer.self)
            let first = ByteBuffer(repeating: 1, count: 512 << 10)
            try await withThrowingTaskGroup(of: Exchange.self) { group in
                group.addTask { try await Exchange.send(.PUT, url, body: .stream(body, length: .known(Int64(1 << 20)))) }
                writer.yield(first)
                // Wait (generously) until the server has the first half in tmp/.
                let deadline = ContinuousClock.now + .seconds(30)
                while uploadsInProgress.isEmpty || (try? FileManager.default.attributesOfItem(
                    atPath: dir.file("tmp/" + uploadsInProgress[0]).path)[.size] as? Int) ?? 0 == 0 {
                    #expect(ContinuousClock.now < deadline, "the upload never reached tmp/")
                    if ContinuousClock.now >= deadline { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                let during = try await Exchange.send(.GET, url)
                #expect(during.status == 404)
                #expect(try await Exchange.send(.HEAD, url).status == 404)
                writer.yield(ByteBuffer(repeating: 2, count: 512 << 10))
                writer.finish()
                let put = try #require(try await group.next())
                #expect(put.status == 201)
            }
            let after = try await Exchange.send(.GET, url)
            #expect(after.status == 200)
            #expect(after.body.readableBytes == 1 << 20)
        }
    }

    @Test func signedURLsAreRequiredWhenASecretIsSet() async throws {
        let signer = BlobURLSigner(secret: "s3cret")
        try await withBlobstore(secret: "s3cret") { base in
            let key = "droplets/app/d.tgz"
            let put = try await Exchange.send(.PUT, signer.signedURL(base: base, method: "PUT", key: key, validFor: 60),
                                              body: .bytes(ByteBuffer(string: "droplet")))
            #expect(put.status == 201)
            let getURL = signer.signedURL(base: base, method: "GET", key: key, validFor: 60)
            #expect(try await Exchange.send(.GET, getURL).text == "droplet")
            #expect(try await Exchange.send(.HEAD, getURL).status == 200, "a GET URL may also HEAD")

            let unsigned = try await Exchange.send(.GET, "\(base)/blobs/\(key)")
            #expect(unsigned.status == 403)
            #expect(unsigned.text.hasPrefix("missing signature: sign URLs with the blobstore secret"))

            let old = signer.signedURL(base: base, method: "GET", key: key, validFor: 60, now: Date().addingTimeInterval(-3600))
            let expired = try await Exchange.send(.GET, old)
            #expect(expired.status == 403)
            #expect(expired.text.hasPrefix("URL expired at 20"))

            let otherKey = try await Exchange.send(.GET, getURL.replacingOccurrences(of: "/d.tgz?", with: "/e.tgz?"))
            #expect(otherKey.status == 403)
            #expect(otherKey.text.hasPrefix("invalid signature"))

            let otherMethod = try await Exchange.send(.DELETE, getURL)
            #expect(otherMethod.status == 403)
            #expect(otherMethod.text.hasPrefix("invalid signature"))
            #expect(try await Exchange.send(.GET, getURL).status == 200, "the refused DELETE removed nothing")

            let wrongSecret = BlobURLSigner(secret: "guess").signedURL(base: base, method: "GET", key: key, validFor: 60)
            #expect(try await Exchange.send(.GET, wrongSecret).status == 403)
            #expect(try await Exchange.send(.GET, "\(base)/healthz").status == 200, "health checks need no signature")
        }
    }

    @Test(arguments: ["../x", "a/../x", "a//b", "./x", "a/.", "x%20y", "sp ace"])
    func badKeysAreRefused(key: String) async throws {
        try await withBlobstore { base in
            let got = try await Exchange.send(.PUT, "\(base)/blobs/\(key.replacingOccurrences(of: " ", with: "%20"))",
                                              body: .bytes(ByteBuffer(string: "x")))
            #expect(got.status == 400)
            #expect(got.text.hasPrefix("invalid blob key"))
            #expect(storedFiles.isEmpty)
        }
    }
}

/// sha256 of a string, lowercase hex.
enum SHA256Hex {
    static func of(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// The 201 answer to a PUT.
struct StoredBlob: Decodable {
    let key: String
    let sha256: String
    let size: Int64
}
