import Foundation
import Testing
import TestSupport

/// The benchmark scripts in a short mode, with the debug build: they must keep running and
/// printing their figures (no timing is asserted; BENCHMARKS.md has the real runs).
@Suite("Benchmark scripts, short mode", .serialized)
struct BenchScriptsTests {
    static let debug = ProjectPaths.root.appendingPathComponent(".build/debug")

    @Test func packingAndUnpackingRunAgainstTar() async throws {
        let tree = ProjectPaths.root.appendingPathComponent("lifecycle")
        let result = try await shell("/bin/bash", ["scripts/bench-pack.sh", "1"], cwd: ProjectPaths.root,
                                     environment: ProcessInfo.processInfo.environment.merging([
                                         "BENCH": Self.debug.appendingPathComponent("pipette-bench").path,
                                         "TREE": tree.path, "UNPACK_TREE": tree.appendingPathComponent("src").path,
                                     ]) { $1 })
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("round 1: pack") && result.output.contains("vs tar xzf"), "\(result.output)")
    }

    @Test func aShortBurstIsAnsweredAndTheFloorMeasured() async throws {
        let result = try await shell("/bin/bash", ["scripts/bench-burst.sh", Self.debug.appendingPathComponent("pipette").path],
                                     cwd: ProjectPaths.root,
                                     environment: ProcessInfo.processInfo.environment.merging(["BURST": "5"]) { $1 })
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("burst of 5: 5 answered (5 staged, 0 busy, 0 other errors), 0 lost"), "\(result.output)")
        #expect(result.output.contains("5 builds in"), "\(result.output)")
    }

    @Test func theIdlePlatformsMemoryIsMeasuredProcessByProcess() async throws {
        let result = try await shell("/bin/bash", ["scripts/bench-memory.sh", Self.debug.appendingPathComponent("pipette").path, "1"],
                                     cwd: ProjectPaths.root)
        #expect(result.status == 0, "\(result.output)")
        for process in ["nats-server", "pipette together -- blobstore", "pipette cell --id amd64-1", "pipette cell --id arm64-1", "haproxy"] {
            #expect(result.output.contains(process), "\(process) is measured: \(result.output)")
        }
        #expect(result.output.contains("whole platform:") && result.output.contains("MB PSS (sum)"), "\(result.output)")
    }

    @Test func aBlobTransferIsTimedAgainstTheBareHTTPClient() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let port = freePort()
        let blobstore = try ServiceProcess(["blobstore", "--dir", dir.file("blobs").path, "--port", String(port), "--secret", "bench"])
        defer { blobstore.stop() }
        #expect(await blobstore.waitFor("blobstore listening on http://127.0.0.1:\(port)"), "\(blobstore.log)")
        let result = try await shell(Self.debug.appendingPathComponent("pipette-bench").path,
                                     ["transfer", "--blobstore", "http://127.0.0.1:\(port)", "--secret", "bench", "--count", "8"],
                                     cwd: ProjectPaths.root)
        #expect(result.status == 0, "\(result.output)")
        for kind in ["PUT", "GET"] {
            #expect(result.output.contains("\(kind) of 1500 bytes: HTTPTransfer median"), "\(result.output)")
        }
        #expect(result.output.contains("(3 rounds)"), "\(result.output)")
    }

    @Test func aRelayedDropletIsTimedAgainstFetchingAndPosting() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (blobPort, ccPort) = (freePort(), freePort())
        let blobstore = try ServiceProcess(["blobstore", "--dir", dir.file("blobs").path, "--port", String(blobPort), "--secret", "bench"])
        defer { blobstore.stop() }
        let cc = try ServiceProcess(["fake-cc", "--port", String(ccPort), "--apps", ProjectPaths.root.appendingPathComponent("apps").path,
                                     "--droplets", dir.file("droplets").path])
        defer { cc.stop() }
        #expect(await blobstore.waitFor("blobstore listening on http://127.0.0.1:\(blobPort)"), "\(blobstore.log)")
        #expect(await cc.waitFor("fake-cc listening on http://127.0.0.1:\(ccPort)"), "\(cc.log)")
        let result = try await shell(Self.debug.appendingPathComponent("pipette-bench").path,
                                     ["relay", "--blobstore", "http://127.0.0.1:\(blobPort)", "--secret", "bench",
                                      "--cc", "http://127.0.0.1:\(ccPort)", "--size", "300000", "--count", "2"],
                                     cwd: ProjectPaths.root)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("droplet of 300000 bytes, blobstore to cloud controller: relayed median"), "\(result.output)")
        // every round's droplet arrived whole: warm-up and two rounds, both ways
        let kept = try FileManager.default.contentsOfDirectory(atPath: dir.file("droplets/bench").path).filter { $0.hasSuffix(".tgz") }
        #expect(kept.count == 6, "\(kept)")
    }

    @Test func startingAProgramIsTimedAgainstFoundationsProcess() async throws {
        let result = try await shell(Self.debug.appendingPathComponent("pipette-bench").path, ["spawn", "--count", "4"],
                                     cwd: ProjectPaths.root)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("start /bin/true and read its output: Subprocess median"), "\(result.output)")
        #expect(result.output.contains("(4 rounds)"), "\(result.output)")
    }
}
