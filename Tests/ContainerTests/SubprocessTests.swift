import Container
import Foundation
import Testing

/// What `Subprocess` relies on to reap a child Foundation missed (swift-corelibs-foundation#4795).
@Suite("Subprocess")
struct SubprocessTests {
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
