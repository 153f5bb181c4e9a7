import Archive
import Blobstore
import FakeCC
import Foundation
import Synchronization
import Testing
import TestSupport
import Transfer

/// The stager's relay of a droplet a cell stored: blobstore → cloud controller, streamed, checked
/// against the cell's sha256 before its last bytes go.
@Suite("Relaying a droplet from the blobstore to the cloud controller", .timeLimit(.minutes(2)))
struct DropletRelayTests {
    /// A blobstore holding `blob` at `/blobs/droplets/app/d.tgz` and a fake cloud controller
    /// (failing its first `failUploads` uploads) for `body`, given the blob's URL and the CC's base.
    func withServers(blob: Data, failUploads: Int = 0, _ body: (String, String) async throws -> Void) async throws {
        let dir = try TemporaryDirectory("relay")
        defer { dir.remove() }
        try FileManager.default.createDirectory(at: dir.file("apps"), withIntermediateDirectories: true)
        let file = dir.file("droplet.tgz")
        try blob.write(to: file)
        let cc = FakeCCConfig(appsDirectory: dir.file("apps"), dropletsDirectory: dir.file("droplets"), port: 0,
                              failUploads: failUploads)
        try await LiveService.withService({
            BlobstoreService(config: BlobstoreConfig(directory: dir.file("store"), port: 0), logger: LiveService.quiet, onListening: $0)
        }) { blobPort in
            let blobURL = "http://127.0.0.1:\(blobPort)/blobs/droplets/app/d.tgz"
            _ = try await HTTPTransfer().upload(file, to: blobURL, timeout: .seconds(30))
            try await LiveService.withService({ FakeCCService(config: cc, logger: LiveService.quiet, onListening: $0) }) { ccPort in
                try await body(blobURL, "http://127.0.0.1:\(ccPort)")
            }
        }
    }

    func received(_ base: String) async throws -> [DropletRecord] {
        try JSONDecoder().decode([DropletRecord].self, from: Data(try await Exchange.send(.GET, "\(base)/droplets").body.readableBytesView))
    }

    func digest(_ data: Data) throws -> ArchiveDigest {
        var running = RunningDigest()
        data.withUnsafeBytes { running.update($0) }
        return running.finish()
    }

    @Test func aDropletIsRelayedWholeAndTheSame() async throws {
        let blob = try randomData(3 << 20 + 123)  // several chunks, and a short last one
        try await withServers(blob: blob) { source, cc in
            try await HTTPTransfer().relayMultipart(from: source, expected: try digest(blob), field: "upload[droplet]",
                                                    filename: "droplet.tgz", to: "\(cc)/upload_droplet/app/u1", timeout: .seconds(30))
            let records = try await received(cc)
            #expect(records.map(\.sha256) == [try digest(blob).sha256])
            #expect(records.first?.size == Int64(blob.count))
        }
    }

    /// Streamed (1 MiB) or read whole before the POST (a small droplet, up to 64 KiB), a wrong one
    /// never reaches the cloud controller.
    @Test(arguments: [1 << 20, 4096])
    func aDropletThatIsNotWhatTheCellBuiltNeverReachesTheCloudController(size: Int) async throws {
        let blob = try randomData(size)
        try await withServers(blob: blob) { source, cc in
            var other = blob
            other[other.count - 1] ^= 1
            let expected = try digest(other)
            await #expect(throws: RelayError.mismatch(got: try digest(blob))) {
                try await HTTPTransfer().relayMultipart(from: source, expected: expected, field: "upload[droplet]",
                                                        filename: "droplet.tgz", to: "\(cc)/upload_droplet/app/u1", timeout: .seconds(30))
            }
            #expect(try await received(cc).isEmpty, "the cloud controller kept no droplet")
            // Only checking (no upload_uri): the same verdict.
            await #expect(throws: RelayError.mismatch(got: try digest(blob))) {
                try await HTTPTransfer().relayMultipart(from: source, expected: expected, field: "f", filename: "d.tgz", to: nil,
                                                        timeout: .seconds(30))
            }
            try await HTTPTransfer().relayMultipart(from: source, expected: try digest(blob), field: "f", filename: "d.tgz", to: nil,
                                                    timeout: .seconds(30))
            // Longer than the cell said: the same verdict, with what the blob really is.
            let shorter = try digest(blob.prefix(blob.count / 2))
            await #expect(throws: RelayError.mismatch(got: try digest(blob))) {
                try await HTTPTransfer().relayMultipart(from: source, expected: shorter, field: "upload[droplet]",
                                                        filename: "droplet.tgz", to: "\(cc)/upload_droplet/app/u1", timeout: .seconds(30))
            }
            #expect(try await received(cc).isEmpty, "the cloud controller kept no droplet")
        }
    }

    @Test func eachSideFailsWithItsOwnReason() async throws {
        let blob = try randomData(4096)
        try await withServers(blob: blob, failUploads: 2) { source, cc in
            // A missing blob: the source's fault, not retried.
            let missing = source.replacingOccurrences(of: "d.tgz", with: "gone.tgz")
            await #expect(throws: RelayError.source(.httpStatus(code: 404, url: missing))) {
                try await HTTPTransfer().relayMultipart(from: missing, expected: try digest(blob), field: "upload[droplet]",
                                                        filename: "droplet.tgz", to: "\(cc)/upload_droplet/app/u1", timeout: .seconds(30))
            }
            // The cloud controller failing twice with 500: tried again from the blob, and it sticks.
            let retries = Mutex(0)
            try await HTTPTransfer().relayMultipart(from: source, expected: try digest(blob), field: "upload[droplet]",
                                                    filename: "droplet.tgz", to: "\(cc)/upload_droplet/app/u2",
                                                    firstBackoff: .milliseconds(10), timeout: .seconds(30),
                                                    onRetry: { _, _ in retries.withLock { $0 += 1 } })
            #expect(retries.withLock { $0 } == 2)
            #expect(try await received(cc).count == 1)
            // A route the cloud controller does not have: the destination's fault.
            await #expect(throws: RelayError.destination(.httpStatus(code: 404, url: "\(cc)/nowhere"))) {
                try await HTTPTransfer().relayMultipart(from: source, expected: try digest(blob), field: "upload[droplet]",
                                                        filename: "droplet.tgz", to: "\(cc)/nowhere", timeout: .seconds(30))
            }
        }
    }

    /// A blobstore that hangs halfway through the droplet, or a cloud controller that takes the
    /// upload and never answers: each is named after the stall timeout, as the side it is.
    @Test func aSideThatHangsMidwayIsNamedAfterTheStallTimeout() async throws {
        let blob = try randomData(64 << 10)
        let client = HTTPTransfer.makeClient(extraCAFile: nil, stallTimeout: .seconds(1))
        let transfer = HTTPTransfer(client: client, stallTimeout: .seconds(1))
        let half = HalfAnswerServer(declaring: blob.count, sending: 1000)
        try await withServers(blob: blob) { source, cc in
            let hanging = "http://127.0.0.1:\(half.port)/blobs/droplets/app/d.tgz"
            await #expect(throws: RelayError.source(.stalled(url: hanging, seconds: 1))) {
                try await transfer.relayMultipart(from: hanging, expected: try digest(blob), field: "upload[droplet]",
                                                  filename: "droplet.tgz", to: "\(cc)/upload_droplet/app/u1", timeout: .seconds(60))
            }
            let kept = try await received(cc)
            #expect(kept.isEmpty, "\(kept)")
            let silent = SilentServer()
            let nowhere = "http://127.0.0.1:\(silent.port)/upload_droplet/app/u1"
            await #expect(throws: RelayError.destination(.stalled(url: nowhere, seconds: 1))) {
                try await transfer.relayMultipart(from: source, expected: try digest(blob), field: "upload[droplet]",
                                                  filename: "droplet.tgz", to: nowhere, timeout: .seconds(60))
            }
            withExtendedLifetime(silent) {}
        }
        withExtendedLifetime(half) {}
        try await client.shutdown()
    }
}

/// Answers every connection with a 200 declaring `declaring` body bytes, sends `sending` of them,
/// then keeps the connection open without a word more.
private final class HalfAnswerServer: Sendable {
    let port: Int
    private let fd: Int32

    init(declaring total: Int, sending part: Int) {
        (fd, port) = boundSocket(listening: 16)
        let fd = fd
        let thread = Thread {
            var open: [Int32] = []
            while true {
                let client = accept(fd, nil, nil)
                guard client >= 0 else { break }
                var request = [UInt8](repeating: 0, count: 4096)
                _ = read(client, &request, request.count)
                let head = Array("HTTP/1.1 200 OK\r\nContent-Length: \(total)\r\n\r\n".utf8) + [UInt8](repeating: 7, count: part)
                _ = head.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
                open.append(client)
            }
            open.forEach { close($0) }
        }
        thread.start()
    }

    deinit {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }
}
