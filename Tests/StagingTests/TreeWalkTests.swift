import Foundation
@testable import Staging
import Testing
import TestSupport

/// The walk under the app copy's chown and the build cache's check: every entry once, parents
/// first, links never followed, and an early stop.
@Suite("Tree walk")
struct TreeWalkTests {
    @Test func visitsEveryEntryOnceWithoutFollowingLinks() throws {
        let work = try TemporaryDirectory("tree-walk")
        defer { work.remove() }
        let root = work.file("root"), outside = work.file("outside")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("a/b"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: root.appendingPathComponent("a/b/file"))
        try Data("y".utf8).write(to: outside.appendingPathComponent("secret"))
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("a/link").path, withDestinationPath: outside.path)

        var seen: [String: mode_t] = [:]
        var order: [String] = []
        var twice: [String] = []
        let opened = TreeWalk.entries(under: root.path) { path, info in
            let relative = String(path.dropFirst(root.path.count + 1))
            if seen[relative] != nil { twice.append(relative) }
            seen[relative] = info.st_mode & S_IFMT
            order.append(relative)
            return .goOn
        }
        #expect(opened)
        #expect(twice.isEmpty)
        #expect(seen == ["a": S_IFDIR, "a/b": S_IFDIR, "a/b/file": S_IFREG, "a/link": S_IFLNK])
        #expect(order.firstIndex(of: "a")! < order.firstIndex(of: "a/b")!)
        #expect(order.firstIndex(of: "a/b")! < order.firstIndex(of: "a/b/file")!)
    }

    @Test func stopsWhenToldAndRefusesWhatIsNoDirectory() throws {
        let work = try TemporaryDirectory("tree-walk-stop")
        defer { work.remove() }
        let root = work.file("root")
        for name in ["one", "two", "three"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent("\(name)/deeper"), withIntermediateDirectories: true)
        }
        var visits = 0
        #expect(TreeWalk.entries(under: root.path) { _, _ in
            visits += 1
            return .stop
        })
        #expect(visits == 1)
        #expect(!TreeWalk.entries(under: work.file("missing").path) { _, _ in .goOn })
        try Data().write(to: work.file("plain"))
        #expect(!TreeWalk.entries(under: work.file("plain").path) { _, _ in .goOn })
    }

    @Test func theAppCopyIsGivenToVcapEntryByEntry() throws {
        let work = try TemporaryDirectory("tree-walk-chown")
        defer { work.remove() }
        let app = work.file("app")
        try FileManager.default.createDirectory(at: app.appendingPathComponent("public/css"), withIntermediateDirectories: true)
        try Data("body{}".utf8).write(to: app.appendingPathComponent("public/css/site.css"))
        try FileManager.default.createSymbolicLink(atPath: app.appendingPathComponent("public/outside").path, withDestinationPath: "/etc/hostname")
        Ownership.giveTree(app)
        for relative in ["", "public", "public/css", "public/css/site.css", "public/outside"] {
            var info = stat()
            #expect(lstat(app.appendingPathComponent(relative).path, &info) == 0)
            #expect(info.st_uid == Ownership.vcap.uid && info.st_gid == Ownership.vcap.gid, "\(relative) owned by vcap")
        }
        var target = stat()
        #expect(stat("/etc/hostname", &target) == 0 && target.st_uid != Ownership.vcap.uid, "a link's target is left alone")
    }
}
