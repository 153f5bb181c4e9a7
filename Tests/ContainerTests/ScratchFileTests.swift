import Foundation
import Testing
import TestSupport
@testable import Container

/// Bundle configs and CNI inputs are written without a disk flush, and still fully or not at all
/// with a reason.
@Suite("Scratch files")
struct ScratchFileTests {
    @Test func writesTheBytesAndReplacesAnEarlierFile() throws {
        let work = try TemporaryDirectory("scratch")
        defer { work.remove() }
        let file = work.file("config.json")
        try ScratchFile.write(Data(String(repeating: "x", count: 100_000).utf8), to: file)
        try ScratchFile.write(Data("{\"ociVersion\":\"1.0.2\"}".utf8), to: file)
        #expect(try String(contentsOf: file, encoding: .utf8) == "{\"ociVersion\":\"1.0.2\"}")
        // Never writable by others, even when the process's umask is 0 (as under some test runs).
        let saved = umask(0)
        defer { umask(saved) }
        let fresh = work.file("fresh.json")
        try ScratchFile.write(Data("{}".utf8), to: fresh)
        let mode = try FileManager.default.attributesOfItem(atPath: fresh.path)[.posixPermissions] as? Int
        #expect(mode == 0o644)
    }

    @Test func aMissingFolderOrAFullDiskIsASentenceNamingTheFile() throws {
        #expect(throws: ScratchFileError.self) { try ScratchFile.write(Data("x".utf8), to: URL(fileURLWithPath: "/nonexistent/config.json")) }
        do {
            try ScratchFile.write(Data("x".utf8), to: URL(fileURLWithPath: "/nonexistent/config.json"))
        } catch {
            #expect(error.description == "cannot write /nonexistent/config.json: No such file or directory")
        }
        let disk = try SmallDisk(megabytes: 1, label: "scratch-full")
        defer { disk.remove() }
        do {
            try ScratchFile.write(Data(count: 4 << 20), to: disk.file("config.json"))
            Issue.record("4 MiB fit on a 1 MiB disk")
        } catch {
            #expect(error.description == "cannot write \(disk.file("config.json").path): No space left on device")
        }
    }
}
