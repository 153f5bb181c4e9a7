@testable import FakeCC
import Foundation
import Testing
import TestSupport

/// The fake cloud controller zips an app folder again only when it changed; a folder changed
/// within the last second (file times tick coarsely) is zipped every time.
@Suite("Fake CC package cache")
struct PackageCacheTests {
    @Test func aFolderIsZippedAgainOnlyWhenItChanges() throws {
        let dir = try TemporaryDirectory("package-cache")
        defer { dir.remove() }
        try dir.write("app/index.html", "<p>one</p>\n")
        try dir.write("app/deep/a.txt", "a\n")
        // A clock 10 s ahead: the folder counts as settled at once.
        let cache = PackageCache(now: { Date().timeIntervalSince1970 + 10 })
        let first = try cache.zip(dir.file("app"))
        let second = try cache.zip(dir.file("app"))
        #expect(cache.made.load(ordering: .relaxed) == 1 && second.zip == first.zip && second.digest == first.digest)

        try dir.write("app/index.html", "<p>two, longer</p>\n")
        let changed = try cache.zip(dir.file("app"))
        #expect(cache.made.load(ordering: .relaxed) == 2 && changed.digest != first.digest)
        try dir.write("app/deep/b.txt", "b\n")
        _ = try cache.zip(dir.file("app"))
        try FileManager.default.moveItem(at: dir.file("app/deep/b.txt"), to: dir.file("app/deep/c.txt"))
        _ = try cache.zip(dir.file("app"))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.file("app/deep/a.txt").path)
        _ = try cache.zip(dir.file("app"))
        #expect(cache.made.load(ordering: .relaxed) == 5, "an added, renamed and chmodded entry each make a new zip")
        _ = try cache.zip(dir.file("app"))
        #expect(cache.made.load(ordering: .relaxed) == 5)
    }

    @Test func aFolderChangedWithinTheLastSecondIsZippedEveryTime() throws {
        let dir = try TemporaryDirectory("package-cache-racy")
        defer { dir.remove() }
        try dir.write("app/index.html", "<p>one</p>\n")
        let cache = PackageCache()
        _ = try cache.zip(dir.file("app"))
        _ = try cache.zip(dir.file("app"))
        #expect(cache.made.load(ordering: .relaxed) == 2)
    }

    @Test func bigZipsAndOldEntriesAreNotKept() throws {
        let dir = try TemporaryDirectory("package-cache-bounds")
        defer { dir.remove() }
        for name in ["a", "b", "c"] { try dir.write("\(name)/index.html", "<p>\(name)</p>\n") }
        let cache = PackageCache(maxEntries: 2, now: { Date().timeIntervalSince1970 + 10 })
        for name in ["a", "b", "c", "c", "b", "a"] { _ = try cache.zip(dir.file(name)) }
        #expect(cache.made.load(ordering: .relaxed) == 4, "a was dropped for c, then zipped again")
        let tiny = PackageCache(maxZipBytes: 10, now: { Date().timeIntervalSince1970 + 10 })
        _ = try tiny.zip(dir.file("a"))
        _ = try tiny.zip(dir.file("a"))
        #expect(tiny.made.load(ordering: .relaxed) == 2)
    }
}
