import Archive
import ArgumentParser
import Foundation
import Transfer

/// A droplet from the blobstore to the cloud controller: relayed (streamed, checked on the way)
/// against the old way (downloaded to a file, hashed, then posted), in turns.
struct RelayBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay", abstract: "Blobstore → cloud controller: relayMultipart vs download, hash, postMultipart.")

    @OptionGroup var store: BlobstoreOptions
    @Option(help: "The fake cloud controller's base URL.") var cc: String
    @Option(help: "Rounds of each (after one warm-up).") var count = 20
    @Option(help: "Droplet size in bytes.") var size = 1500

    func run() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("pipette-bench-relay-\(getpid())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let source = work.appendingPathComponent("droplet.tgz")
        var generator = SystemRandomNumberGenerator()
        try Data((0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }).write(to: source)
        let expected = try FileDigest.sha256(of: source)
        let key = "droplets/bench/relay.tgz"
        let transfer = HTTPTransfer()
        _ = try await transfer.upload(source, to: store.url("PUT", key: key),
                                      headers: [("X-Checksum-Sha256", expected.sha256)], timeout: .seconds(60))
        let get = store.url("GET", key: key)
        var timing = Timing()
        for round in 0...count {
            let relayed = try await Timing.seconds {
                try await transfer.relayMultipart(from: get, expected: expected, field: "upload[droplet]", filename: "droplet.tgz",
                                                  to: "\(cc)/upload_droplet/bench/r\(round)", timeout: .seconds(60))
            }
            let copied = try await Timing.seconds {
                let file = work.appendingPathComponent("fetched.tgz")
                _ = try await transfer.download(get, to: file, limit: .max, timeout: .seconds(60))
                guard try FileDigest.sha256(of: file) == expected else { throw ValidationError("the fetched droplet differs") }
                _ = try await transfer.postMultipart(file, field: "upload[droplet]", filename: "droplet.tgz",
                                                     to: "\(cc)/upload_droplet/bench/c\(round)", timeout: .seconds(60))
                try FileManager.default.removeItem(at: file)
            }
            guard round > 0 else { continue }
            timing.candidate.append(relayed)
            timing.baseline.append(copied)
        }
        let c = Timing.median(timing.candidate) * 1000, b = Timing.median(timing.baseline) * 1000
        print(String(format: "droplet of %d bytes, blobstore to cloud controller: relayed median %.2f ms, "
                     + "downloaded, hashed and posted median %.2f ms, ratio %.2fx (%d rounds)", size, c, b, c / b, count))
    }
}
