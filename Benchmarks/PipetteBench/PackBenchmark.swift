import Archive
import ArgumentParser
import Foundation

/// Droplet packing: `TreePacker` (libarchive, in process, sha256 while writing) against
/// `tar czf` of the same tree followed by `sha256sum` (what a shell stager would do).
struct PackBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pack", abstract: "TreePacker vs tar czf + sha256sum on one tree.")

    @Argument(help: "The directory tree to pack.")
    var tree: String

    @Option(help: "Rounds of each, interleaved.")
    var rounds = 5

    func run() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("pipette-bench-pack-\(getpid())")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: out) }
        var timing = Timing()
        var sizes = (candidate: Int64(0), baseline: Int64(0))
        for _ in 0..<rounds {
            timing.candidate.append(try Timing.seconds {
                sizes.candidate = try TreePacker.pack(URL(fileURLWithPath: tree), to: out.appendingPathComponent("a.tgz")).size
            })
            timing.baseline.append(try Timing.seconds {
                let tgz = out.appendingPathComponent("b.tgz").path
                try shell("/bin/sh", ["-c", "tar czf '\(tgz)' -C '\(tree)' . && sha256sum '\(tgz)' >/dev/null"])
                sizes.baseline = (try FileManager.default.attributesOfItem(atPath: tgz)[.size] as? Int64) ?? 0
            })
        }
        print("pack \(tree): \(timing.report)")
        print("sizes: TreePacker \(ByteCount.format(sizes.candidate)), tar czf \(ByteCount.format(sizes.baseline))")
    }

    private func shell(_ path: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ValidationError("\(arguments) failed") }
    }
}
