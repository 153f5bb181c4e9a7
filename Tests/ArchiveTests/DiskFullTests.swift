import Archive
import Foundation
import Testing
import TestSupport

/// Writing archives and unpacking them onto a disk that fills up (a 1 MiB tmpfs): every write
/// failure stops the work with a sentence naming the disk, and nothing half-written stays.
@Suite("Archives on a full disk", .serialized)
struct ArchiveDiskFullTests {
    static let naming = Unpacker.Naming(archive: "the app package", destination: "the app directory",
                                        disk: "the workspace disk")

    @Test func unpackingOntoAFullDiskFailsNamingTheDiskAndLeavesNothing() throws {
        let dir = try TemporaryDirectory("diskfull")
        defer { dir.remove() }
        let disk = try SmallDisk(megabytes: 1)
        defer { disk.remove() }
        let zip = try ArchiveFixtures.zip(in: dir) { w in
            try w.addFile("index.html", contents: Data("hi".utf8))
            try w.addFile("assets/big.bin", contents: incompressibleBytes(2 << 20))
        }
        let out = disk.file("app")
        #expect(performing: { _ = try Unpacker.unpack(zip, into: out, naming: Self.naming) }, throws: { error in
            guard case .disk(let fault) = error as? ArchiveError else { return false }
            return fault.code == ENOSPC && fault.description.hasPrefix(
                "No space left on device while unpacking entry assets/big.bin into the app directory; "
                    + "free space on the workspace disk (") && !fault.description.contains(disk.path)
        })
        #expect(!FileManager.default.fileExists(atPath: out.path), "no partly written app stays")
        #expect(disk.freeBytes > 900 << 10)
    }

    @Test func packingOntoAFullDiskFailsAndRemovesThePartialArchive() throws {
        let dir = try TemporaryDirectory("diskfull")
        defer { dir.remove() }
        let disk = try SmallDisk(megabytes: 1)
        defer { disk.remove() }
        try dir.write("tree/staging_info.yml", "{}")
        try FileManager.default.createDirectory(at: dir.file("tree/app"), withIntermediateDirectories: true)
        try Data(incompressibleBytes(2 << 20)).write(to: dir.file("tree/app/big.bin"))
        let output = disk.file("droplet.tgz")
        #expect(performing: {
            _ = try TreePacker.pack(dir.file("tree"), to: output, label: "the droplet", disk: "the workspace disk")
        }, throws: { error in
            guard case .disk(let fault) = error as? ArchiveError else { return false }
            return fault.code == ENOSPC && fault.description.hasPrefix(
                "No space left on device while writing the droplet; free space on the workspace disk (")
        })
        #expect(!FileManager.default.fileExists(atPath: output.path), "no partial droplet stays")
    }

    @Test func writingAZipOntoAFullDiskFailsToo() throws {
        let disk = try SmallDisk(megabytes: 1)
        defer { disk.remove() }
        let writer = try ArchiveWriter(path: disk.file("app.zip"), format: .zip, label: "the app package")
        #expect(performing: {
            try writer.addFile("big.bin", contents: incompressibleBytes(2 << 20))
            _ = try writer.finish()
        }, throws: { error in
            guard case .disk(let fault) = error as? ArchiveError else { return false }
            return fault.code == ENOSPC && fault.doing == "writing the app package"
        })
    }
}
