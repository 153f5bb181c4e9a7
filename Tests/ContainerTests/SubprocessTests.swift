import Container
import Foundation
import Testing

/// Programs started the way runc, CNI plugins and HAProxy are: exit statuses, what the child
/// inherits and what it does not, and the zombie check HAProxy's stop relies on.
@Suite("Subprocess")
struct SubprocessTests {
    /// The lines a shell command prints, through `Subprocess.run`.
    private func lines(_ script: String, environment: [String: String]? = nil) async throws -> (status: Int32, lines: [String]) {
        let collected = LinesBox()
        let status = try await Subprocess.run("/bin/sh", ["-c", script], environment: environment, onLine: collected.append)
        return (status, collected.lines)
    }

    @Test func aSignalledChildEndsWith128PlusTheSignal() async throws {
        #expect(try await lines("kill -KILL $$").status == 128 + SIGKILL)
        #expect(try await lines("exit 3").status == 3)
    }

    /// A child gets a process group of its own (a terminal's Ctrl-C reaches Pipette, which stops
    /// it in order), every signal's default action even where Pipette ignores one (as `pipette
    /// build` ignores SIGINT and SIGTERM while it cleans up), and no descriptor but 0, 1 and 2.
    @Test func theChildInheritsNeitherIgnoredSignalsNorDescriptors() async throws {
        let leaked = open("/dev/null", O_RDONLY)  // no O_CLOEXEC on purpose
        defer { close(leaked) }
        let previous = signal(SIGUSR2, SIG_IGN)
        defer { signal(SIGUSR2, previous) }
        let result = try await lines("""
            set -- $(sed 's/.*) //' /proc/$$/stat); echo "pgrp $3 pid $$"
            ls /proc/$$/fd | tr '\\n' ' '
            """)
        #expect(result.status == 0)
        let group = result.lines.first { $0.hasPrefix("pgrp ") }?.split(separator: " ")
        #expect(group.map { $0[1] == $0[3] } == true, "its own process group: \(result.lines)")
        // Read by the program itself (exec): a shell blocks every signal while it waits for a child.
        let signals = try await lines("exec grep -E '^(SigIgn|SigBlk)' /proc/self/status").lines
        let ignored = signals.first { $0.hasPrefix("SigIgn:") }.flatMap { UInt64($0.split(separator: "\t").last ?? "", radix: 16) }
        #expect(ignored.map { $0 & (1 << (UInt64(SIGUSR2) - 1)) == 0 } == true, "SIGUSR2 back to its default: \(signals)")
        #expect(signals.contains("SigBlk:\t0000000000000000"), "nothing blocked: \(signals)")
        let descriptors = result.lines.last?.split(separator: " ").map(String.init) ?? []
        #expect(!descriptors.contains("\(leaked)"), "descriptor \(leaked) leaked: \(descriptors)")
        #expect(Array(descriptors.prefix(3)) == ["0", "1", "2"], "\(descriptors)")
    }

    @Test func theEnvironmentIsTheOneGivenOrOurs() async throws {
        #expect(try await lines("echo \"[$PIPETTE_PROBE][$HOME]\"", environment: ["PIPETTE_PROBE": "yes"]).lines == ["[yes][]"])
        #expect(try await lines("echo \"[$PATH]\"").lines == ["[\(ProcessInfo.processInfo.environment["PATH"] ?? "")]"])
    }

    @Test func aMissingInputOrProgramIsALaunchFailure() async throws {
        await #expect(throws: ContainerError.self) {
            try await Subprocess.run("/bin/cat", [], input: URL(fileURLWithPath: "/nonexistent/input.json"), onLine: { _ in })
        }
        await #expect(throws: ContainerError.self) { try await Subprocess.run("/nonexistent/program", [], onLine: { _ in }) }
        let echoed = LinesBox()
        let input = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("subprocess-input-\(getpid())")
        try Data("from the file\n".utf8).write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        #expect(try await Subprocess.run("/bin/cat", [], input: input, onLine: echoed.append) == 0)
        #expect(echoed.lines == ["from the file"])
    }

    @Test func anExitedUnreapedChildIsSeenAsAZombieAndThenReaped() async throws {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        defer { argv.forEach { free($0) } }
        #expect(posix_spawn(&pid, "/bin/true", nil, nil, argv, nil) == 0)
        let deadline = ContinuousClock.now + .seconds(10)
        while !Subprocess.isZombie(pid), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(Subprocess.isZombie(pid), "a child that exited and was not waited for is a zombie")
        var status: Int32 = 0
        #expect(waitpid(pid, &status, 0) == pid && status == 0)
        #expect(!Subprocess.isZombie(pid), "reaped, it is gone")
        #expect(!Subprocess.isZombie(getpid()), "a running process is not")
    }

    @Test func manyShortProcessesAtOnceAllReturnTheirStatus() async throws {
        let statuses = try await withThrowingTaskGroup(of: Int32.self) { group in
            for index in 0..<200 {
                group.addTask { try await Subprocess.run("/bin/sh", ["-c", "exit \(index % 7)"], onLine: { _ in }) }
            }
            return try await group.reduce(into: [Int32]()) { $0.append($1) }
        }
        #expect(statuses.sorted() == (0..<200).map { Int32($0 % 7) }.sorted())
    }
}

/// Lines collected from a child's output.
private final class LinesBox: @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [String] = []
    var lines: [String] { lock.withLock { collected } }
    var append: @Sendable (String) -> Void { { line in self.lock.withLock { self.collected.append(line) } } }
}
