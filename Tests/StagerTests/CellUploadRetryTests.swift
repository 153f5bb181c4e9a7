import Archive
import Blobstore
@testable import Cell
import Foundation
import Logging
import PipetteCore
import Staging
import Synchronization
import Testing
import TestSupport
import Transfer

/// A cell whose blobstore is down when the droplet is ready: the upload is retried with backoff
/// and the droplet stored once the blobstore is back.
@Suite("A cell's droplet upload", .serialized, .timeLimit(.minutes(2)))
struct CellUploadRetryTests {
    static let quiet = Logger(label: "cell-upload-tests") { _ in SwiftLogNoOpLogHandler() }

    func blobstore(_ directory: URL, port: Int, listening: Reported<Int>? = nil) -> BlobstoreService {
        BlobstoreService(config: BlobstoreConfig(directory: directory, port: port), logger: Self.quiet,
                         onListening: { listening?.set($0) })
    }

    @Test func theDropletIsStoredInABlobstoreThatComesBackLate() async throws {
        let work = try TemporaryDirectory("cell-upload")
        defer { work.remove() }
        // The package sits in a blobstore that is up; the droplet goes to one that is not, yet.
        let packages = Reported<Int>()
        let packageStore = ServiceHarness([blobstore(work.file("packages"), port: 0, listening: packages)])
        let packageURL = "http://127.0.0.1:\(await packages.value)/blobs/packages/app/p.zip"
        _ = try TreePacker.pack(ProjectPaths.apps.appendingPathComponent("static"), to: work.file("app.zip"), format: .zip)
        _ = try await HTTPTransfer().upload(work.file("app.zip"), to: packageURL, timeout: .seconds(30))

        let dropletPort = freePort()
        let home = PipetteHome(root: ProjectPaths.root, cache: TestStacks.cache)
        var executor = TaskExecutor(cellID: "upload-retry-cell", home: home,
                                    stacks: CellStacks(["tiny-amd64"], store: StackStore(directory: home.stacks)),
                                    transfer: HTTPTransfer(), maxDownloadBytes: 1 << 30)
        executor.workspaceDirectory = work.url
        let task = TaskDefinition(
            taskID: "late-blobstore-\(UUID().uuidString.prefix(8))", appID: "app", stack: "tiny-amd64", memoryMB: 256,
            diskMB: 1024, packageURL: packageURL,
            dropletUploadURL: "http://127.0.0.1:\(dropletPort)/blobs/droplets/app/d.tgz",
            buildpacks: ["staticfile"], timeoutSeconds: 60, eventsSubject: "unused")

        // Start the droplet blobstore once the cell reports its first refused upload.
        let (retries, retried) = AsyncStream.makeStream(of: String.self)
        let running = Task {
            let completion = await executor.run(task) { line in
                if line.hasPrefix("Storing the droplet failed") { retried.yield(line) }
            }
            retried.yield("finished")
            return completion
        }
        var iterator = retries.makeAsyncIterator()
        let first = await iterator.next()
        guard first != "finished" else {
            Issue.record("the cell gave up without retrying: \(await running.value.error ?? "no error")")
            await packageStore.stop()
            return
        }
        #expect(first?.contains("cannot reach http://127.0.0.1:\(dropletPort)") == true, "\(first ?? "no retry")")
        let dropletStore = ServiceHarness([blobstore(work.file("droplets"), port: dropletPort)])
        let completion = await running.value
        await dropletStore.stop()
        await packageStore.stop()

        #expect(completion.error == nil, "\(completion.error ?? "")")
        let stored = try FileDigest.sha256(of: work.file("droplets/blobs/droplets/app/d.tgz"))
        #expect(stored.sha256 == completion.dropletSHA256)
    }
}
