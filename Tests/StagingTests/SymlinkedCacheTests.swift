import Foundation
import PipetteCore
import Staging
import Testing
import TestSupport

/// `$PIPETTE_CACHE/stacks` may be a symlink (to a bigger disk, say): stacks resolve to their
/// real path, which runc requires of a rootfs, and staging works.
@Suite("A symlinked cache")
struct SymlinkedCacheTests {
    @Test func aSymlinkedStacksFolderStillStagesInRunc() async throws {
        let work = try TemporaryDirectory("linked-cache")
        defer { work.remove() }
        let cache = work.file("cache")
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: cache.appendingPathComponent("stacks"),
                                                   withDestinationURL: TestStacks.cache.appendingPathComponent("stacks"))
        let home = PipetteHome.locate(environment: ["PIPETTE_HOME": ProjectPaths.root.path, "PIPETTE_CACHE": cache.path])
        let (stack, rootfs) = try StackStore(directory: home.stacks).resolve("tiny-amd64")
        #expect(rootfs.path == TestStacks.cache.resolvingSymlinksInPath().appendingPathComponent("stacks/tiny-amd64/rootfs").path)
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: rootfs.deletingLastPathComponent().deletingLastPathComponent().path)) == nil)

        try AppSource.materialize(ProjectPaths.apps.appendingPathComponent("static"), into: work.file("app"))
        let outcome = try await StagingTask(home: home).stage(
            workspace: work.url, stack: stack, rootfs: rootfs, options: StagingOptions(), onLine: { _ in })
        #expect(outcome.detectedBuildpack.lowercased().contains("staticfile"))
        #expect(FileManager.default.fileExists(atPath: outcome.droplet.path))
        #expect(outcome.buildCache != nil, "the builder always writes its cache archive")
        #expect(outcome.buildCacheIsEmpty, "the staticfile buildpack caches nothing")
    }
}
