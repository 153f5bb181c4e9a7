import Archive
import ArgumentParser
import Foundation

/// One `TreePacker` run as a whole process, to time against `tar czf` from outside
/// (`scripts/bench-pack.sh`).
struct PackOnce: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pack-once", abstract: "Pack TREE into OUT (gzip'd tar, sha256 while writing).")

    @Argument(help: "The directory tree to pack.") var tree: String
    @Argument(help: "The .tgz to write.") var out: String

    func run() throws {
        let packed = try TreePacker.pack(URL(fileURLWithPath: tree), to: URL(fileURLWithPath: out))
        print("\(packed.size) bytes, sha256 \(packed.sha256)")
    }
}

/// One `Unpacker` run (droplet limits) as a whole process, to time against `tar xzf`.
struct UnpackOnce: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unpack-once", abstract: "Unpack ARCHIVE into DIR (made anew).")

    @Argument(help: "The archive.") var archive: String
    @Argument(help: "The directory to create (removed first if it exists).") var directory: String

    func run() throws {
        try? FileManager.default.removeItem(atPath: directory)
        let summary = try Unpacker.unpack(URL(fileURLWithPath: archive), into: URL(fileURLWithPath: directory), limits: .droplet)
        print("\(summary.entries) entries, \(summary.bytes) bytes")
    }
}
