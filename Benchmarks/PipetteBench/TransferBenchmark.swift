import ArgumentParser
import AsyncHTTPClient
import Foundation
import Transfer

/// Latency of one small blob transfer through `HTTPTransfer` (deadline, retries, streamed file
/// body) against the same request made with AsyncHTTPClient alone, on one shared client.
struct TransferBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer", abstract: "PUT and GET of a small blob: HTTPTransfer vs bare AsyncHTTPClient.")

    @OptionGroup var store: BlobstoreOptions
    @Option(help: "Requests of each kind.") var count = 200
    @Option(help: "Blob size in bytes.") var size = 1500

    func run() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pipette-bench-\(getpid()).bin")
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0) }
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let transfer = HTTPTransfer()
        let client = HTTPTransfer.sharedClient
        let put = store.url("PUT", key: "packages/bench/transfer.zip")
        let get = store.url("GET", key: "packages/bench/transfer.zip")
        var rows: [(String, Timing)] = [("PUT", Timing()), ("GET", Timing())]
        for round in 0..<count {
            let t1 = try await Timing.seconds { _ = try await transfer.upload(file, to: put, attempts: 1, timeout: .seconds(10)) }
            let b1 = try await Timing.seconds {
                var request = HTTPClientRequest(url: put)
                request.method = .PUT
                request.body = .bytes(bytes)
                _ = try await client.execute(request, timeout: .seconds(10)).body.collect(upTo: 1 << 20)
            }
            let t2 = try await Timing.seconds { _ = try await transfer.download(get, to: file, limit: 1 << 20, timeout: .seconds(10)) }
            let b2 = try await Timing.seconds {
                _ = try await client.execute(HTTPClientRequest(url: get), timeout: .seconds(10)).body.collect(upTo: 1 << 20)
            }
            guard round >= 5 else { continue }
            rows[0].1.candidate.append(t1); rows[0].1.baseline.append(b1)
            rows[1].1.candidate.append(t2); rows[1].1.baseline.append(b2)
        }
        for (name, timing) in rows {
            let c = Timing.median(timing.candidate) * 1000, b = Timing.median(timing.baseline) * 1000
            print(String(format: "%@ of %d bytes: HTTPTransfer median %.3f ms, bare AsyncHTTPClient median %.3f ms, ratio %.2fx (%d rounds)",
                         name, size, c, b, c / b, timing.candidate.count))
        }
    }
}
