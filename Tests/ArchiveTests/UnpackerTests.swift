import Archive
import Foundation
import Testing
import TestSupport

@Suite("Unpacking app packages safely")
struct UnpackerTests {
    let dir: TemporaryDirectory
    init() throws { dir = try TemporaryDirectory("unpack") }

    private func unpack(_ archive: URL, limits: UnpackLimits = .appPackage) throws(ArchiveError) -> (URL, Unpacker.Summary) {
        let target = dir.file("out")
        return (target, try Unpacker.unpack(archive, into: target, limits: limits))
    }

    /// Refused by `unpack`, leaving nothing, and refused alike by `validate` (what the stager
    /// runs on a package a cell unpacks).
    private func expectRefused(_ archive: URL, limits: UnpackLimits = .appPackage, _ expected: ArchiveError) {
        #expect(throws: expected) { _ = try Unpacker.validate(archive, limits: limits) }
        #expect(throws: expected) { _ = try unpack(archive, limits: limits) }
        #expect(!FileManager.default.fileExists(atPath: dir.file("out").path), "a refused archive leaves nothing behind")
    }

    @Test func unpacksFilesDirectoriesModesAndInTreeSymlinks() throws {
        let zip = try ArchiveFixtures.zip(in: dir) { w in
            try w.addDirectory("app/")
            try w.addFile("app/app.rb", contents: Data("require 'sinatra'\n".utf8))
            try w.addFile("app/bin/run", contents: Data("#!/bin/sh\n".utf8), mode: 0o755)
            try w.addSymlink("app/current", target: "bin/run")
            try w.addSymlink("app/bin/up", target: "../app.rb")
        }
        let checked = try Unpacker.validate(zip)
        #expect(checked.entries == 5 && checked.bytes == 28, "validating counts as unpacking does: \(checked)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("out").path))
        let (out, summary) = try unpack(zip)
        #expect(summary == checked)
        #expect(try String(contentsOf: out.appendingPathComponent("app/app.rb"), encoding: .utf8) == "require 'sinatra'\n")
        let mode = try FileManager.default.attributesOfItem(atPath: out.appendingPathComponent("app/bin/run").path)[.posixPermissions] as? Int
        #expect(mode == 0o755)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out.appendingPathComponent("app/current").path) == "bin/run")
        dir.remove()
    }

    @Test func refusesPathTraversal() throws {
        let zip = try ArchiveFixtures.zip(in: dir) { try $0.addFile("../x", contents: Data("evil".utf8)) }
        expectRefused(zip, .escapesDirectory(entry: "../x"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("x").path))
        #expect(ArchiveError.escapesDirectory(entry: "../x").description == "entry ../x escapes the app directory")
        dir.remove()
    }

    @Test func refusesTraversalHiddenInsideAPath() throws {
        let zip = try ArchiveFixtures.zip(in: dir) { try $0.addFile("a/../../etc/cron.d/x", contents: Data("x".utf8)) }
        expectRefused(zip, .escapesDirectory(entry: "a/../../etc/cron.d/x"))
        dir.remove()
    }

    @Test func refusesAbsolutePaths() throws {
        let zip = try ArchiveFixtures.zip(in: dir) { try $0.addFile("/tmp/pipette-absolute", contents: Data("x".utf8)) }
        expectRefused(zip, .absolutePath(entry: "/tmp/pipette-absolute"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/pipette-absolute"))
        dir.remove()
    }

    @Test(arguments: ["../../etc", "/etc/passwd", "a/../../.."])
    func refusesSymlinksOutOfTheApp(target: String) throws {
        let zip = try ArchiveFixtures.zip(in: dir) { try $0.addSymlink("link", target: target) }
        expectRefused(zip, .linkEscapes(entry: "link", target: target))
        dir.remove()
    }

    @Test func refusesHardlinksOutOfTheApp() throws {
        let zip = try ArchiveFixtures.zip(in: dir, "app.tgz", format: .tarGzip) { w in
            try w.addHardlink("passwd", target: "../../etc/passwd")
        }
        expectRefused(zip, .linkEscapes(entry: "passwd", target: "../../etc/passwd"))
        dir.remove()
    }

    @Test func refusesFifos() throws {
        let zip = try ArchiveFixtures.zip(in: dir, "app.tgz", format: .tarGzip) { try $0.addFifo("pipe") }
        expectRefused(zip, .unsupportedEntryType(entry: "pipe", kind: "fifo"))
        dir.remove()
    }

    @Test func refusesZipBombsByCompressionRatio() throws {
        let zeros = [UInt8](repeating: 0, count: 64 << 20)
        let zip = try ArchiveFixtures.zip(in: dir) { try $0.addFile("zeros", contents: zeros) }
        let packedSize = try FileManager.default.attributesOfItem(atPath: zip.path)[.size] as? Int ?? 0
        #expect(packedSize < 1_048_576)
        #expect(performing: { _ = try unpack(zip) }, throws: { error in
            guard case .compressionRatio(let entry, let ratio, let limit) = error as? ArchiveError else { return false }
            return entry == "zeros" && ratio > limit
        })
        #expect(!FileManager.default.fileExists(atPath: dir.file("out").path))
        dir.remove()
    }

    @Test func refusesMoreThanTheSizeLimit() throws {
        let zip = try ArchiveFixtures.zip(in: dir) { w in
            try w.addFile("a", contents: incompressibleBytes(600 << 10))
            try w.addFile("b", contents: incompressibleBytes(600 << 10, seed: 7))
        }
        expectRefused(zip, limits: UnpackLimits(maxTotalBytes: 1_048_576), .tooLarge(entry: "b", limitBytes: 1_048_576))
        #expect(ArchiveError.tooLarge(entry: "b", limitBytes: 1_048_576).description.contains("1 MiB"))
        dir.remove()
    }

    @Test func refusesTooManyEntries() throws {
        let zip = try ArchiveFixtures.zip(in: dir) { w in
            for i in 0..<11 { try w.addFile("f\(i)", contents: Data()) }
        }
        expectRefused(zip, limits: UnpackLimits(maxEntries: 10), .tooManyEntries(limit: 10))
        dir.remove()
    }

    @Test func refusesSomethingThatIsNotAnArchive() throws {
        let text = try dir.write("notes.zip", "just some text, not a zip\n")
        #expect(performing: { _ = try unpack(text) }, throws: { error in
            guard case .corrupt = error as? ArchiveError else { return false }
            return (error as! ArchiveError).description.hasPrefix("the archive is corrupt or not a zip/tar")
        })
        dir.remove()
    }

    @Test func refusesATruncatedZip() throws {
        let zip = try ArchiveFixtures.zip(in: dir) { w in
            try w.addFile("big", contents: incompressibleBytes(256 << 10))
        }
        let data = try Data(contentsOf: zip)
        try data.prefix(data.count / 2).write(to: zip)
        #expect(performing: { _ = try unpack(zip) }, throws: { error in
            if case .corrupt = error as? ArchiveError { return true }
            return false
        })
        #expect(!FileManager.default.fileExists(atPath: dir.file("out").path))
        dir.remove()
    }

    @Test func aMissingFileSaysSo() throws {
        #expect(throws: ArchiveError.unreadable(path: dir.file("nope.zip").path, reason: "no such readable file")) {
            _ = try unpack(dir.file("nope.zip"))
        }
        dir.remove()
    }

    @Test func unpacksGzipTarsToo() throws {
        let tgz = try ArchiveFixtures.zip(in: dir, "app.tgz", format: .tarGzip) { w in
            try w.addFile("index.html", contents: Data("<h1>hi</h1>".utf8))
        }
        let (out, _) = try unpack(tgz)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("index.html").path))
        dir.remove()
    }
}

/// libarchive's `archive_write_disk_new` (every unpack) reads the umask by setting it to 0 and
/// back. A file another thread creates in that instant must still get the umask.
@Suite("Unpacking leaves other threads' umask alone")
struct UnpackUmaskTests {
    @Test func filesCreatedWhileUnpackingKeepTheUmask() async throws {
        let dir = try TemporaryDirectory("umask")
        defer { dir.remove() }
        let app = dir.file("app")
        try FileManager.default.createDirectory(at: app, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: app.appendingPathComponent("a.txt"))
        let archive = dir.file("app.tgz")
        _ = try TreePacker.pack(app, to: archive)
        let previous = umask(0o022)
        defer { umask(previous) }

        // One thread creates files as fast as it can while this one unpacks, again and again.
        let creator = FileCreator(folder: dir.file("made").path)
        try FileManager.default.createDirectory(at: dir.file("made"), withIntermediateDirectories: true)
        let thread = Thread { creator.run() }
        thread.start()
        for round in 0..<2000 {
            let target = dir.file("out-\(round % 4)")
            try? FileManager.default.removeItem(at: target)
            _ = try Unpacker.unpack(archive, into: target)
        }
        let (created, unmasked) = creator.stop()
        #expect(created > 0)
        #expect(unmasked == 0, "\(unmasked) of \(created) files made while unpacking were writable by others")
    }
}

/// Creates and removes files mode 0666 in a loop, counting those the umask did not apply to.
final class FileCreator: @unchecked Sendable {
    private let folder: String
    private let lock = NSLock()
    private var stopping = false
    private var created = 0
    private var unmasked = 0
    private let done = DispatchSemaphore(value: 0)

    init(folder: String) { self.folder = folder }

    func run() {
        var count = 0, bad = 0
        while !lock.withLock({ stopping }) {
            let path = "\(folder)/f\(count % 8)"
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o666)
            if fd >= 0 {
                var info = stat()
                if fstat(fd, &info) == 0, info.st_mode & 0o022 != 0 { bad += 1 }
                close(fd)
                unlink(path)
                count += 1
            }
        }
        lock.withLock { created = count; unmasked = bad }
        done.signal()
    }

    func stop() -> (created: Int, unmasked: Int) {
        lock.withLock { stopping = true }
        done.wait()
        return lock.withLock { (created, unmasked) }
    }
}
