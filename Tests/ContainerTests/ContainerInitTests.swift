import Container
import Foundation
import PipetteCore
import Testing
import TestSupport

/// A droplet's container runs the lifecycle's `init` as PID 1: an app that does not handle
/// SIGTERM (busybox `sleep`, `httpd`) ends on one instead of waiting for SIGKILL, on both arches.
@Suite("Container init", .serialized)
struct ContainerInitTests {
    let runner = ContainerRunner()

    private func spec(_ stack: String, arch: String, command: String, home: TemporaryDirectory) throws -> ContainerSpec {
        try FileManager.default.createDirectory(at: home.file("app"), withIntermediateDirectories: true)
        chown(home.path, 2000, 2000)
        chown(home.file("app").path, 2000, 2000)
        return try ContainerSpec.launcher(
            rootfs: TestStacks.rootfs(stack), stack: StackCatalog.standard.stack(named: stack),
            lifecycle: ProjectPaths.lifecycle("init", arch: arch).deletingLastPathComponent(), home: home.url,
            command: command, environment: [:])
    }

    /// Runs `command` in an instance container, waits for a line that `ready` accepts, sends
    /// SIGTERM (a SIGKILL follows after 20 s, as a platform's grace period ends), and returns
    /// the container's exit status; `lines` gets its output.
    private func stoppedOnTERM(_ stack: String, arch: String, command: String, lines: Lines,
                               ready: @escaping @Sendable (String) -> Bool) async throws -> Int32 {
        let home = try TemporaryDirectory("init-home")
        defer { home.remove() }
        let id = "test-init-\(UUID().uuidString.prefix(8))"
        let spec = try spec(stack, arch: arch, command: command, home: home)
        let run = Task { try await runner.run(spec, id: id, onLine: lines.append) }
        for _ in 0..<400 where !lines.all.contains(where: ready) { try await Task.sleep(for: .milliseconds(50)) }
        #expect(lines.all.contains(where: ready), "\(lines.all)")
        #expect(await runner.kill(id, signal: "TERM"))
        let ended = Task {
            try await Task.sleep(for: .seconds(20))
            _ = await runner.kill(id, signal: "KILL")
        }
        defer { ended.cancel() }
        return try await run.value
    }

    @Test(.timeLimit(.minutes(1)), arguments: [("tiny-amd64", "x86_64"), ("tiny-arm64", "aarch64")])
    func anAppThatIgnoresNoSignalEndsOnSIGTERM(stack: String, arch: String) async throws {
        let lines = Lines()
        let status = try await stoppedOnTERM(stack, arch: arch, command: "echo pid $$; exec sleep 600", lines: lines) {
            $0.hasPrefix("pid ")
        }
        // The app is not PID 1: init is.
        #expect(lines.all.contains { $0.hasPrefix("pid ") && $0 != "pid 1" }, "\(lines.all)")
        // Ended by the SIGTERM itself (128 + 15), not by a SIGKILL after a grace period (137).
        #expect(status == 143)
    }

    /// A start command whose shell stays the parent of the app (`cd web && ./server`): the shell
    /// does not pass SIGTERM on, so init signals the app's whole process group, and waits for
    /// the rest of it to finish its shutdown before the container ends.
    @Test(.timeLimit(.minutes(1)), arguments: [("tiny-amd64", "x86_64"), ("tiny-arm64", "aarch64")])
    func aShellsChildrenGetSIGTERMAndFinishTheirShutdown(stack: String, arch: String) async throws {
        // The inner shell handles TERM (a server shutting down gracefully: a moment, then a word);
        // the outer one is the start command's shell, waiting for it.
        let server = "trap 'sleep 0.3; echo server stopped cleanly; exit 0' TERM; echo server up; while :; do sleep 0.05; done"
        let lines = Lines()
        let status = try await stoppedOnTERM(stack, arch: arch, command: "sh -c \"\(server)\"; echo never", lines: lines) {
            $0 == "server up"
        }
        // The outer shell ended on the SIGTERM (143), and the server still got to say goodbye.
        #expect(status == 143)
        #expect(lines.all.contains("server stopped cleanly"), "\(lines.all)")
        #expect(!lines.all.contains("never"))
    }

    @Test func theAppsExitStatusIsTheContainers() async throws {
        let home = try TemporaryDirectory("init-home")
        defer { home.remove() }
        let status = try await runner.run(try spec("tiny-amd64", arch: "x86_64", command: "exit 7", home: home),
                                          id: "test-init-\(UUID().uuidString.prefix(8))", onLine: { _ in })
        #expect(status == 7)
    }
}
