import Foundation
@testable import Staging
import Testing
import TestSupport

/// `pipette build` keeps a build cache only when it holds a file: a cache of empty folders (what
/// the builder leaves for a buildpack that caches nothing) is no cache, and the next build then
/// has nothing to unpack.
@Suite("Build cache worth keeping")
struct BuildCacheTests {
    @Test func onlyAFileOrALinkMakesACacheWorthKeeping() throws {
        let work = try TemporaryDirectory("build-cache")
        defer { work.remove() }
        let cache = work.file("cache")
        #expect(!StagingTask.holdsFiles(cache), "no folder at all")
        try FileManager.default.createDirectory(at: cache.appendingPathComponent("final/a/b"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: cache.appendingPathComponent("0123abcd"), withIntermediateDirectories: true)
        #expect(!StagingTask.holdsFiles(cache), "empty folders only")
        try FileManager.default.createSymbolicLink(atPath: cache.appendingPathComponent("final/a/b/link").path,
                                                   withDestinationPath: "/nonexistent")
        #expect(StagingTask.holdsFiles(cache), "a link, even a dangling one")
        try FileManager.default.removeItem(at: cache.appendingPathComponent("final/a/b/link"))
        try Data().write(to: cache.appendingPathComponent("0123abcd/empty-file"))
        #expect(StagingTask.holdsFiles(cache), "a file, even an empty one")
    }
}
