import Foundation
import Logging
@testable import Router
import Synchronization
import Testing
import TestSupport

/// How the router stops its HAProxy child.
@Suite("HAProxy process")
struct HAProxyProcessTests {
    /// HAProxy 2.6's master drops a SIGUSR1 that arrives while it re-executes itself for a
    /// reload; a router stopped right then waited forever. A stand-in master drops the first
    /// SIGUSR1 the same way: the stop must be sent again, well before the hard stop (30 s here).
    @Test func aStopTheMasterDropsIsSentAgain() async throws {
        let dir = try TemporaryDirectory("haproxy-stop")
        defer { dir.remove() }
        // Arguments as HAProxyProcess gives them: -W -S SOCKET -f CONFIG -p PIDFILE.
        let script = try dir.write("haproxy", """
            #!/bin/sh
            echo $$ > "$7"
            trap 'trap - USR1' USR1
            echo started
            while :; do sleep 0.05; done
            """, mode: 0o755)
        let pidFile = dir.file("haproxy.pid")
        let process = HAProxyProcess(executable: script.path, configFile: dir.file("haproxy.cfg").path,
                                     masterSocket: dir.file("master.sock").path, pidFile: pidFile.path,
                                     stopGrace: .seconds(30), logger: Logger(label: "test.haproxy"))
        let stopped = Mutex(false)
        let running = Task {
            try? await process.run()
            stopped.withLock { $0 = true }
        }
        defer {
            running.cancel()
            if let text = try? String(contentsOf: pidFile, encoding: .utf8), let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                kill(pid, SIGKILL)
            }
        }
        let started = await eventually { process.lastLines.contains("started") }
        try #require(started, "the stand-in master started: \(process.lastLines)")
        let cancelled = ContinuousClock.now
        running.cancel()
        let ended = await eventually(within: .seconds(10)) { stopped.withLock { $0 } }
        #expect(ended, "the master stopped after its first SIGUSR1 was dropped")
        print("stand-in HAProxy master stopped \(cancelled.duration(to: .now)) after the router's stop")
    }
}
