import Archive
import Blobstore
@testable import Cell
import FakeCC
import Foundation
import Logging
import PipetteCore
import Staging
import Synchronization
import Testing
import TestSupport
import Transfer

/// A cell granted the droplet's POST sends it to the cloud controller itself, beside the copy it
/// stores in the blobstore; without the grant it only stores it; a POST that fails leaves the
/// droplet to the stager's relay, said without the signature. A real build, blobstore and fake CC.
@Suite("A cell posting the droplet itself", .serialized, .timeLimit(.minutes(3)))
struct CellDropletPostTests {
    static let quiet = Logger(label: "cell-post-tests") { _ in SwiftLogNoOpLogHandler() }

    @Test func aGrantedCellPostsTheDropletBesideStoringItAndOnlyThen() async throws {
        let work = try TemporaryDirectory("cell-post")
        defer { work.remove() }
        try FileManager.default.createDirectory(at: work.file("apps"), withIntermediateDirectories: true)
        let blobPort = Reported<Int>()
        let ccPort = Reported<Int>()
        let services = ServiceHarness([
            BlobstoreService(config: BlobstoreConfig(directory: work.file("blobs"), port: 0), logger: Self.quiet,
                             onListening: { blobPort.set($0) }),
            FakeCCService(config: FakeCCConfig(appsDirectory: work.file("apps"), dropletsDirectory: work.file("droplets"), port: 0),
                          logger: Self.quiet, onListening: { ccPort.set($0) }),
        ])
        let blobstore = "http://127.0.0.1:\(await blobPort.value)/blobs"
        let cc = "http://127.0.0.1:\(await ccPort.value)"
        _ = try TreePacker.pack(ProjectPaths.apps.appendingPathComponent("static"), to: work.file("app.zip"), format: .zip)
        _ = try await HTTPTransfer().upload(work.file("app.zip"), to: "\(blobstore)/packages/app/p.zip", timeout: .seconds(30))

        let home = PipetteHome(root: ProjectPaths.root, cache: TestStacks.cache)
        var executor = TaskExecutor(cellID: "posting-cell", home: home,
                                    stacks: CellStacks(["tiny-amd64"], store: StackStore(directory: home.stacks)),
                                    transfer: HTTPTransfer(), maxDownloadBytes: 1 << 30)
        executor.workspaceDirectory = work.url
        func task(_ name: String, postingTo url: String?) -> TaskDefinition {
            TaskDefinition(
                taskID: name, appID: "app", stack: "tiny-amd64", memoryMB: 256, diskMB: 1024,
                packageURL: "\(blobstore)/packages/app/p.zip", dropletUploadURL: "\(blobstore)/droplets/app/\(name).tgz",
                dropletKey: "droplets/app/\(name).tgz", dropletPost: url.map { DropletPost(url: $0, attempts: 1) },
                buildpacks: ["staticfile"], timeoutSeconds: 60, eventsSubject: "unused")
        }
        func received() throws -> [String] {
            (try? FileManager.default.contentsOfDirectory(atPath: work.file("droplets/app").path))?.filter { $0.hasSuffix(".tgz") }.sorted() ?? []
        }

        let granted = await executor.run(task("granted", postingTo: "\(cc)/upload_droplet/app/granted"), mayPost: { true }) { _ in }
        #expect(granted.error == nil && granted.dropletPosted == true, "\(granted)")
        let posted = try FileDigest.sha256(of: work.file("droplets/app/granted.tgz"))
        let stored = try FileDigest.sha256(of: work.file("blobs/blobs/droplets/app/granted.tgz"))
        #expect(posted.sha256 == granted.dropletSHA256 && stored.sha256 == granted.dropletSHA256)

        let refused = await executor.run(task("refused", postingTo: "\(cc)/upload_droplet/app/refused"), mayPost: { false }) { _ in }
        #expect(refused.error == nil && refused.dropletPosted == nil, "\(refused)")
        #expect(try received() == ["granted.tgz"], "a cell without the grant posts nothing")
        #expect(FileManager.default.fileExists(atPath: work.file("blobs/blobs/droplets/app/refused.tgz").path))

        // A POST that fails leaves the droplet to the stager's relay: no error, not posted, said
        // in the log without the signature.
        let lines = Mutex<[String]>([])
        let failing = await executor.run(task("failing", postingTo: "\(cc)/no-such-route?expires=9&signature=s3cr3t"),
                                         mayPost: { true }) { line in lines.withLock { $0.append(line) } }
        #expect(failing.error == nil && failing.dropletPosted == nil, "\(failing)")
        #expect(lines.withLock { $0 }.contains(
            "Uploading droplet from cell posting-cell failed (HTTP 404 from \(cc)/no-such-route?expires=9&signature=REDACTED); "
                + "the stager relays it"), "\(lines.withLock { $0 })")
        #expect(FileManager.default.fileExists(atPath: work.file("blobs/blobs/droplets/app/failing.tgz").path))

        let asked = Atomic<Bool>(false)
        let unasked = await executor.run(task("no-post", postingTo: nil), mayPost: {
            asked.store(true, ordering: .sequentiallyConsistent)
            return true
        }) { _ in }
        #expect(unasked.error == nil && unasked.dropletPosted == nil && !asked.load(ordering: .sequentiallyConsistent),
                "a task without a post URL never asks")
        await services.stop()
    }
}
