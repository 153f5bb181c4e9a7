import Archive
import AsyncHTTPClient
import Blobstore
import Foundation
import NIOCore
import Synchronization
import Testing
import TestSupport
import Transfer

/// Full disks on either end of a transfer, and a blobstore that comes up late: each fault is
/// named for what it is, retried only when it can heal, and leaves no partial file.
@Suite("Transfers under faults", .serialized, .timeLimit(.minutes(2)))
struct TransferFaultTests {
    func blobstore(_ directory: URL, port: Int = 0, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> BlobstoreService {
        BlobstoreService(config: BlobstoreConfig(directory: directory, port: port), logger: LiveService.quiet,
                         onListening: onListening)
    }

    @Test func aFullBlobstoreDiskAnswers507WithASentenceAndKeepsNoPartialBlob() async throws {
        let dir = try TemporaryDirectory("full-blobstore")
        defer { dir.remove() }
        let disk = try SmallDisk(megabytes: 1)
        defer { disk.remove() }
        let file = dir.file("droplet.tgz")
        try randomData(2 << 20).write(to: file)
        try await LiveService.withService({ blobstore(disk.url, onListening: $0) }) { port in
            let url = "http://127.0.0.1:\(port)/blobs/droplets/app/big.tgz"
            // Streamed without a length: the disk fills while writing.
            let chunks = AsyncStream<ByteBuffer> { continuation in
                for _ in 0..<32 { continuation.yield(ByteBuffer(repeating: 7, count: 64 << 10)) }
                continuation.finish()
            }
            let put = try await Exchange.send(.PUT, url, body: .stream(chunks, length: .unknown))
            #expect(put.status == 507)
            #expect(put.text.hasPrefix("No space left on device while storing the upload on the server's disk; nothing was stored"))
            #expect(!put.text.contains(disk.path), "no server path in the answer")
            // With a length that cannot fit: refused before writing.
            let declared = try await Exchange.send(.PUT, url, body: .bytes(try Data(contentsOf: file)))
            #expect(declared.status == 507)
            #expect(declared.text.hasPrefix("No space left on device: the upload (2 MiB) is larger than the "))
            #expect(try await Exchange.send(.GET, url).status == 404)
            #expect(filesBelow(disk.file("tmp")).isEmpty, "no partial upload stays")
            #expect(filesBelow(disk.file("blobs")).isEmpty)

            // What a cell sees: the sentence, at once, not retried (the disk will not heal in a second).
            let retries = Mutex(0)
            await #expect(performing: {
                _ = try await HTTPTransfer().upload(file, to: url, timeout: .seconds(30), onRetry: { _, _ in retries.withLock { $0 += 1 } })
            }, throws: { error in
                guard let error = error as? TransferError, case .httpStatus(507, _, let message?) = error else { return false }
                return !error.isTransient && message.hasPrefix("No space left on device: the upload")
                    && error.description.hasPrefix("HTTP 507 from \(url): No space left on device")
            })
            #expect(retries.withLock { $0 } == 0)

            // The space is still there for what fits.
            #expect(try await Exchange.send(.PUT, url, body: .bytes(ByteBuffer(string: "small"))).status == 201)
            #expect(try await Exchange.send(.GET, url).text == "small")
        }
    }

    @Test func aFullLocalDiskWhileDownloadingSaysSoAndIsNotRetried() async throws {
        let dir = try TemporaryDirectory("full-download")
        defer { dir.remove() }
        let disk = try SmallDisk(megabytes: 1)
        defer { disk.remove() }
        let file = dir.file("package.zip")
        try randomData(2 << 20).write(to: file)
        try await LiveService.withService({ blobstore(dir.file("store"), onListening: $0) }) { port in
            let url = "http://127.0.0.1:\(port)/blobs/packages/app/p.zip"
            _ = try await HTTPTransfer().upload(file, to: url, timeout: .seconds(30))
            let target = disk.file("package.zip")
            let retries = Mutex(0)
            await #expect(throws: TransferError.localWrite(what: "the app package", code: ENOSPC)) {
                _ = try await HTTPTransfer().download(url, to: target, what: "the app package", limit: 1 << 30, timeout: .seconds(30),
                                                      onRetry: { _, _ in retries.withLock { $0 += 1 } })
            }
            #expect(retries.withLock { $0 } == 0, "a full local disk is not a network fault")
            #expect(TransferError.localWrite(what: "the app package", code: ENOSPC).description
                == "cannot write the app package to local disk: No space left on device")
            #expect(!FileManager.default.fileExists(atPath: target.path), "no partial download stays")

            // A build cache that cannot be written stops the staging; one that is missing does not.
            await #expect(throws: TransferError.localWrite(what: "the build cache", code: ENOSPC)) {
                _ = try await HTTPTransfer().fetchBuildCache(url, to: target, limit: 1 << 30, timeout: .seconds(30), onLine: { _ in })
            }
            let lines = Mutex<[String]>([])
            let missing = try await HTTPTransfer().fetchBuildCache(
                "http://127.0.0.1:\(port)/blobs/caches/none.tgz", to: dir.file("cache.tgz"), limit: 1 << 30,
                timeout: .seconds(30), onLine: { line in lines.withLock { $0.append(line) } })
            #expect(missing == nil)
            #expect(lines.withLock { $0 }.first?.hasPrefix("No build cache restored (HTTP 404 from") == true)
        }
    }

    /// The cell's droplet upload: the blobstore is down at first and comes up once the first
    /// attempt has been refused; the upload is retried and stored.
    @Test func anUploadIsRetriedUntilALateBlobstoreTakesIt() async throws {
        let dir = try TemporaryDirectory("late-blobstore")
        defer { dir.remove() }
        let file = dir.file("droplet.tgz")
        try randomData(512 << 10).write(to: file)
        let digest = try FileDigest.sha256(of: file)
        let port = freePort()
        let url = "http://127.0.0.1:\(port)/blobs/droplets/app/late.tgz"
        let (refusals, refused) = AsyncStream.makeStream(of: TransferError.self)
        let upload = Task {
            try await HTTPTransfer().upload(file, to: url, headers: [("X-Checksum-Sha256", digest.sha256)], timeout: .seconds(30),
                                            onRetry: { error, _ in refused.yield(error) })
        }
        var iterator = refusals.makeAsyncIterator()
        let first = await iterator.next()
        guard case .unreachable = first else {
            Issue.record("the first attempt should find nobody listening, got \(String(describing: first))")
            return
        }
        let harness = ServiceHarness([blobstore(dir.file("store"), port: port)])
        let answer = await upload.result
        await harness.stop()
        #expect(try answer.get().status == 201)
        #expect(try FileDigest.sha256(of: dir.file("store/blobs/droplets/app/late.tgz")) == digest)
    }

    @Test func aLocalFileThatCannotBeReadIsALocalErrorNotRetried() async throws {
        let dir = try TemporaryDirectory("unreadable-upload")
        defer { dir.remove() }
        try await LiveService.withService({ blobstore(dir.file("store"), onListening: $0) }) { port in
            let retries = Mutex(0)
            await #expect(throws: TransferError.localRead(what: "gone.tgz", code: ENOENT)) {
                _ = try await HTTPTransfer().upload(dir.file("gone.tgz"), to: "http://127.0.0.1:\(port)/blobs/x", timeout: .seconds(30),
                                                    onRetry: { _, _ in retries.withLock { $0 += 1 } })
            }
            #expect(retries.withLock { $0 } == 0)
        }
    }

    /// A server that takes the connection and then says nothing (a hung process, a frozen host)
    /// is named as such after the stall timeout, not when the whole transfer's time runs out,
    /// and is not tried again.
    @Test func aServerThatStopsAnsweringIsSaidToAfterTheStallTimeout() async throws {
        let dir = try TemporaryDirectory("stalled")
        defer { dir.remove() }
        let silent = SilentServer()
        let client = HTTPTransfer.makeClient(extraCAFile: nil, stallTimeout: .seconds(1))
        let transfer = HTTPTransfer(client: client, stallTimeout: .seconds(1))
        let url = "http://127.0.0.1:\(silent.port)/blobs/x.tgz"
        let retries = Mutex(0)
        let started = ContinuousClock.now
        await #expect(throws: TransferError.stalled(url: url, seconds: 1)) {
            _ = try await transfer.download(url, to: dir.file("x.tgz"), limit: 1 << 20, timeout: .seconds(60),
                                            onRetry: { _, _ in retries.withLock { $0 += 1 } })
        }
        try randomData(64 << 10).write(to: dir.file("up.tgz"))
        await #expect(throws: TransferError.stalled(url: url, seconds: 1)) {
            _ = try await transfer.upload(dir.file("up.tgz"), to: url, timeout: .seconds(60),
                                          onRetry: { _, _ in retries.withLock { $0 += 1 } })
        }
        #expect(started.duration(to: .now) < .seconds(30), "said after the stall, not the 60 s deadline")
        #expect(retries.withLock { $0 } == 0)
        #expect(TransferError.stalled(url: url, seconds: 30).description
                == "\(url) stopped answering: nothing came or went for 30 seconds (is the server hung or overloaded?)")
        withExtendedLifetime(silent) {}
        try await client.shutdown()
    }

    @Test func errorsAreClassifiedAndOnlyWhatCanHealIsRetried() {
        let url = "http://blobs.example/blobs/d.tgz?expires=1&signature=abc123"
        #expect(TransferError.unreachable(url: url, reason: "connection refused").isTransient)
        #expect(TransferError.timedOut(url: url, seconds: 5).kind == .network)
        #expect(TransferError.httpStatus(code: 503, url: url).isTransient)
        #expect(!TransferError.httpStatus(code: 507, url: url).isTransient)
        #expect(!TransferError.httpStatus(code: 404, url: url).isTransient)
        #expect(TransferError.localWrite(what: "x", code: ENOSPC).kind == .localIO)
        #expect(!TransferError.localWrite(what: "x", code: ENOSPC).isTransient)
        #expect(!TransferError.localRead(what: "x", code: EIO).isTransient)
        #expect(TransferError.tooLarge(url: url, limitBytes: 1).kind == .limit)
        #expect(!TransferError.httpStatus(code: 403, url: url).description.contains("abc123"), "signatures are not shown")
    }
}
