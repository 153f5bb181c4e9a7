import Container
import Foundation
import Logging
import Synchronization

/// HAProxy as the router's child, in master-worker mode (`-W -S master.sock`): `run` starts it
/// and returns when it ends. Cancelling `run` soft-stops it (SIGUSR1 to the master: listeners
/// close, requests in flight finish, `hard-stop-after` bounds the wait). An exit the router did
/// not ask for throws, with HAProxy's last lines.
///
/// HAProxy 2.6's master drops a SIGUSR1 that arrives while it re-executes itself for a reload
/// (a router stopped just after growing its pool kept HAProxy running, and its stop waited
/// forever; seen under load). So the stop is repeated each second while the master lives, then
/// made hard (SIGTERM) once `stopGrace` and a margin have passed, then SIGKILL.
public final class HAProxyProcess: Sendable {
    public let executable: String
    public let configFile: String
    public let masterSocket: String
    public let pidFile: String
    public let logger: Logger
    /// How long requests in flight may finish (the config's `hard-stop-after`).
    public let stopGrace: Duration
    private let output = Mutex<[String]>([])

    public init(executable: String, configFile: String, masterSocket: String, pidFile: String, stopGrace: Duration,
                logger: Logger) {
        self.executable = executable
        self.configFile = configFile
        self.masterSocket = masterSocket
        self.pidFile = pidFile
        self.stopGrace = stopGrace
        self.logger = logger
    }

    /// HAProxy's last lines of output.
    public var lastLines: [String] { output.withLock { $0 } }

    public func run() async throws(RouterError) {
        guard FileManager.default.isExecutableFile(atPath: executable) else { throw .haproxyMissing(path: executable) }
        stopLeftover()
        let status: Int32
        do {
            status = try await Subprocess.run(
                executable, ["-W", "-S", "\(masterSocket),mode,600", "-f", configFile, "-p", pidFile],
                onLine: { [self] line in
                    self.output.withLock { lines in
                        lines.append(line)
                        if lines.count > 20 { lines.removeFirst(lines.count - 20) }
                    }
                    self.logger.info("haproxy: \(line)")
                },
                onCancel: { [self] pid in
                    kill(pid, SIGUSR1)
                    let thread = Thread { [self] in stop(pid) }
                    thread.name = "pipette.haproxy.stop"
                    thread.start()
                })
        } catch {
            throw .haproxyExited(status: -1, output: ["\(error)"])
        }
        try? FileManager.default.removeItem(atPath: pidFile)
        if !Task.isCancelled { throw .haproxyExited(status: status, output: lastLines) }
        logger.info("haproxy stopped", metadata: ["status": "\(status)"])
    }

    /// Repeats the soft stop each second until the master is gone, then escalates (see above).
    /// Bounded: at most `stopGrace` plus 7 s.
    private func stop(_ pid: pid_t) {
        let hard = ContinuousClock.now + stopGrace + .seconds(5)
        let last = hard + .seconds(2)
        var sent = ContinuousClock.now
        var warned = false
        while kill(pid, 0) == 0, !Subprocess.isZombie(pid) {
            usleep(100_000)
            let now = ContinuousClock.now
            if now >= last {
                logger.error("haproxy did not stop; killing it", metadata: ["pid": "\(pid)"])
                kill(pid, SIGKILL)
                return
            }
            guard now - sent >= .seconds(1) else { continue }
            if now >= hard, !warned {
                logger.warning("haproxy still running after its stop grace; stopping it hard", metadata: ["pid": "\(pid)"])
                warned = true
            }
            kill(pid, now >= hard ? SIGTERM : SIGUSR1)
            sent = now
        }
    }

    /// Stops an HAProxy an earlier run of this router left (its pid file names a live haproxy
    /// started with this config), so the port is free again.
    func stopLeftover() {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
              let pid = text.split(separator: "\n").first.flatMap({ pid_t($0.trimmingCharacters(in: .whitespaces)) }), pid > 1,
              let command = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8),
              command.contains("haproxy"), command.contains(configFile) else { return }
        logger.notice("stopping the haproxy an earlier run of this router left", metadata: ["pid": "\(pid)"])
        kill(pid, SIGTERM)
        for _ in 0..<100 where kill(pid, 0) == 0 { usleep(50_000) }
    }
}
