import Archive
import Foundation
import Testing
import TestSupport

@Suite("Packing droplets")
struct TreePackerTests {
    private func sampleTree(in dir: TemporaryDirectory) throws -> URL {
        try dir.write("tree/app/app.rb", "puts :hi\n")
        try dir.write("tree/app/bin/start", "#!/bin/sh\necho start\n", mode: 0o755)
        try dir.write("tree/staging_info.yml", #"{"detected_buildpack":"ruby","start_command":"ruby app.rb"}"#)
        try FileManager.default.createDirectory(at: dir.file("tree/logs"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir.file("tree/app/run").path, withDestinationPath: "bin/start")
        return dir.file("tree")
    }

    @Test func sameTreeGivesTheSameBytes() throws {
        let dir = try TemporaryDirectory("pack")
        defer { dir.remove() }
        let tree = try sampleTree(in: dir)
        let first = try TreePacker.pack(tree, to: dir.file("one.tgz"))
        // Touch every file: mtimes must not leak into the droplet.
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 3600)],
                                              ofItemAtPath: tree.appendingPathComponent("app/app.rb").path)
        let second = try TreePacker.pack(tree, to: dir.file("two.tgz"))
        #expect(first == second)
        #expect(try FileDigest.sha256(of: dir.file("one.tgz")) == first)
        let sum = try shell("/usr/bin/sha256sum", [dir.file("one.tgz").path]).output
        #expect(sum.hasPrefix(first.sha256))
    }

    @Test func keepsModesSymlinksAndReadsBackWithTar() throws {
        let dir = try TemporaryDirectory("pack")
        defer { dir.remove() }
        let tree = try sampleTree(in: dir)
        _ = try TreePacker.pack(tree, to: dir.file("droplet.tgz"))
        let listing = try shell("/bin/tar", ["tzvf", dir.file("droplet.tgz").path]).output
        #expect(listing.contains("-rwxr-xr-x vcap/vcap"))
        #expect(listing.contains("app/run -> bin/start"))
        let names = try shell("/bin/tar", ["tzf", dir.file("droplet.tgz").path]).output.split(separator: "\n")
        #expect(names == ["app/", "app/app.rb", "app/bin/", "app/bin/start", "app/run", "logs/", "staging_info.yml"])

        let out = dir.file("out")
        _ = try Unpacker.unpack(dir.file("droplet.tgz"), into: out, limits: .droplet)
        #expect(FileManager.default.isExecutableFile(atPath: out.appendingPathComponent("app/bin/start").path))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out.appendingPathComponent("app/run").path) == "bin/start")
    }

    @Test func utf8NamesSurviveAZipRoundTrip() throws {
        let dir = try TemporaryDirectory("pack")
        defer { dir.remove() }
        try dir.write("tree/données/ファイル.txt", "x\n")
        _ = try TreePacker.pack(dir.file("tree"), to: dir.file("app.zip"), format: .zip)
        // Other tools read the name as UTF-8 too (the zip says it is).
        let names = try shell("/usr/bin/python3", ["-c", "import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).namelist())",
                                                   dir.file("app.zip").path]).output
        #expect(names.contains("données/ファイル.txt"), "\(names)")
        let out = dir.file("out")
        _ = try Unpacker.unpack(dir.file("app.zip"), into: out)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("données/ファイル.txt").path))
    }
}
