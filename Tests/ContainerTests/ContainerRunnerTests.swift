import Container
import Foundation
import PipetteCore
import Synchronization
import Testing
import TestSupport

/// Collects streamed lines from a container.
final class Lines: Sendable {
    private let storage = Mutex<[String]>([])
    func append(_ line: String) { storage.withLock { $0.append(line) } }
    var all: [String] { storage.withLock { $0 } }
}

@Suite("runc containers", .serialized)
struct ContainerRunnerTests {
    let runner = ContainerRunner()

    private func spec(_ stack: String, arch: Arch, _ script: String) throws -> ContainerSpec {
        ContainerSpec(rootfs: try TestStacks.rootfs(stack).path, arch: arch, args: ["/bin/sh", "-c", script])
    }

    @Test(arguments: [("tiny-amd64", Arch.amd64), ("tiny-arm64", Arch.arm64)])
    func runsTheStacksArchAsVcapOnAReadOnlyRoot(stack: String, arch: Arch) async throws {
        let lines = Lines()
        let status = try await runner.run(
            try spec(stack, arch: arch, "uname -m; id -u; touch /bin/x 2>/dev/null || echo read-only; touch /tmp/ok && echo tmp-writable"),
            id: "test-\(UUID().uuidString.prefix(8))", onLine: lines.append)
        #expect(status == 0)
        #expect(lines.all == [arch.machine, "2000", "read-only", "tmp-writable"])
    }

    @Test func passesTheExitStatusThrough() async throws {
        let status = try await runner.run(try spec("tiny-amd64", arch: .amd64, "echo failing >&2; exit 7"),
                                          id: "test-\(UUID().uuidString.prefix(8))", onLine: { _ in })
        #expect(status == 7)
    }

    @Test func streamsLinesWhileTheProcessRuns() async throws {
        let lines = Lines()
        let dir = try TemporaryDirectory("stream")
        defer { dir.remove() }
        chown(dir.path, 2000, 2000)
        var spec = try spec("tiny-amd64", arch: .amd64, "echo first; while [ ! -e /tmp/host/go ]; do sleep 0.1; done; echo second")
        spec.binds = [.init(dir.path, at: "/tmp/host", readOnly: false)]
        async let status = runner.run(spec, id: "test-\(UUID().uuidString.prefix(8))", onLine: lines.append)
        // The container waits for us: "first" must arrive before it can exit.
        for _ in 0..<600 where !lines.all.contains("first") { try await Task.sleep(for: .milliseconds(50)) }
        #expect(lines.all == ["first"])
        #expect(FileManager.default.createFile(atPath: dir.file("go").path, contents: Data()))
        #expect(try await status == 0)
        #expect(lines.all == ["first", "second"])
    }

    @Test(.timeLimit(.minutes(1)), arguments: [Duration.milliseconds(1), .milliseconds(300), .seconds(1)])
    func aTimeoutKillsAndDeletesTheContainerEvenDuringStartup(timeout: Duration) async throws {
        let id = "test-timeout-\(UUID().uuidString.prefix(8))"
        let marker = "sleep \(Int.random(in: 100_000...999_999))"
        await #expect(throws: ContainerError.self) {
            _ = try await runner.run(try spec("tiny-amd64", arch: .amd64, "trap '' TERM; \(marker)"),
                                     id: id, timeout: timeout, onLine: { _ in })
        }
        #expect(!(try await shell("/usr/sbin/runc", ["list", "-q"]).output.contains(id)))
        #expect(!(try await shell("/bin/ps", ["-eo", "args"]).output.contains(marker)))
    }

    @Test(.timeLimit(.minutes(1)))
    func aTimeoutKillsAndDeletesTheContainer() async throws {
        let id = "test-timeout-\(UUID().uuidString.prefix(8))"
        await #expect(throws: ContainerError.timedOut(seconds: 1)) {
            _ = try await runner.run(try spec("tiny-amd64", arch: .amd64, "trap '' TERM; sleep 600"),
                                     id: id, timeout: .seconds(1), onLine: { _ in })
        }
        let list = try await shell("/usr/sbin/runc", ["list", "-q"]).output
        #expect(!list.contains(id))
        #expect(ContainerError.timedOut(seconds: 1).description.contains("killed"))
    }

    @Test func memoryAndPidsLimitsReachTheContainer() async throws {
        var spec = try spec("tiny-amd64", arch: .amd64, "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max")
        spec.pidsLimit = 64
        let lines = Lines()
        _ = try await runner.run(spec, id: "test-\(UUID().uuidString.prefix(8))", onLine: lines.append)
        #expect(lines.all.last == "64")
    }

    @Test func missingBinfmtIsExplained() {
        let message = ContainerError.binfmtMissing(machine: "aarch64").description
        #expect(message.contains("apt-get install -y qemu-user-static binfmt-support"))
        #expect(message.contains("update-binfmts --enable qemu-aarch64"))
        #expect(ContainerError.programMissing(program: "runc").description.contains("apt-get install -y runc"))
    }
}
