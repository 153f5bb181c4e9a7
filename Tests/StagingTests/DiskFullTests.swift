import Archive
import Foundation
import PipetteCore
import Staging
import Testing
import TestSupport

/// A staging workspace on a disk that fills up (a 1 MiB tmpfs): the staging stops at the first
/// write that fails, with a sentence naming what and which disk, and no workspace path.
@Suite("Staging on a full disk", .serialized)
struct StagingDiskFullTests {
    let home = PipetteHome(root: ProjectPaths.root, cache: TestStacks.cache)

    private func bigPackage(in dir: TemporaryDirectory, _ name: String, format: ArchiveWriter.Format) throws -> URL {
        let writer = try ArchiveWriter(path: dir.file(name), format: format)
        try writer.addFile("index.html", contents: Data("<h1>hi</h1>\n".utf8))
        try writer.addFile("assets/video.bin", contents: incompressibleBytes(2 << 20))
        _ = try writer.finish()
        return dir.file(name)
    }

    @Test func anAppTooBigForTheWorkspaceDiskIsADiskErrorNotABadPackage() throws {
        let dir = try TemporaryDirectory("full-app")
        defer { dir.remove() }
        let disk = try SmallDisk(megabytes: 1)
        defer { disk.remove() }
        let package = try bigPackage(in: dir, "package.zip", format: .zip)
        #expect(performing: { try AppSource.materialize(package, into: disk.file("app")) }, throws: { error in
            guard case .disk(let fault) = error as? ArchiveError else { return false }
            return fault.isOutOfSpace && fault.description.hasPrefix(
                "No space left on device while unpacking entry assets/video.bin into the app directory; "
                    + "free space on the workspace disk (") && !fault.description.contains("/tmp")
        })
        #expect(!FileManager.default.fileExists(atPath: disk.file("app").path), "no partly written app is staged")
    }

    @Test func aBuildCacheTooBigForTheWorkspaceDiskStopsTheStaging() async throws {
        let dir = try TemporaryDirectory("full-cache")
        defer { dir.remove() }
        let disk = try SmallDisk(megabytes: 1)
        defer { disk.remove() }
        let cache = try bigPackage(in: dir, "cache.tgz", format: .tarGzip)
        try dir.write("src/index.html", "hi\n")
        try AppSource.materialize(dir.file("src"), into: disk.file("app"))
        let (stack, rootfs) = try StackStore(directory: home.stacks).resolve("tiny-amd64")
        let lines = RecentLines(limit: 5)
        await #expect(performing: {
            _ = try await StagingTask(home: home).stage(workspace: disk.url, stack: stack, rootfs: rootfs,
                                                        options: StagingOptions(), cacheArchive: cache,
                                                        onLine: { lines.append($0) })
        }, throws: { error in
            guard case .disk(let fault) = error as? ArchiveError else { return false }
            return fault.isOutOfSpace && fault.doing == "unpacking entry assets/video.bin into the build cache directory"
                && fault.disk == "the workspace disk"
        })
        #expect(lines.lines.isEmpty, "the builder never ran")
        #expect(!FileManager.default.fileExists(atPath: disk.file("output/droplet.tgz").path))
    }
}
