import Foundation
import Synchronization

/// Test hosts from `scripts/hosts.sh`: network namespaces `pipette-host-<i>` at 198.18.0.(10+i)
/// on one bridge, so components reach each other by address. The hosts are one machine-wide set,
/// so a test holds them alone: starting waits for a lock (`lockPath`, also across worktrees and
/// test processes), removes what an earlier run left and makes the hosts; `down()` removes them
/// and lets the next test have them (call it in a `defer`).
public final class TestHosts: Sendable {
    public static let script = ProjectPaths.root.appendingPathComponent("scripts/hosts.sh").path
    public static let lockPath = "/run/pipette-test-hosts.lock"
    public let count: Int
    /// What `hosts.sh up` printed.
    public let output: String
    /// The locked file, until `down()`.
    private let lock: Mutex<Int32?>

    public init(_ count: Int, waitingAtMost timeout: Duration = .seconds(600)) async throws {
        self.count = count
        let fd = open(Self.lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(message: "cannot open \(Self.lockPath): \(String(cString: strerror(errno)))") }
        lock = Mutex(fd)
        let deadline = ContinuousClock.now + timeout
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard ContinuousClock.now < deadline else {
                close(fd)
                throw Failure(message: "another test held the test hosts for \(timeout); see `bash scripts/hosts.sh list`")
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        _ = try await shell("/bin/bash", [Self.script, "down"])
        let up = try await shell("/bin/bash", [Self.script, "up", String(count)])
        output = up.output
        guard up.status == 0 else {
            down()
            throw Failure(message: "scripts/hosts.sh up \(count) failed: \(up.output)")
        }
    }

    /// Host `host`'s address, e.g. 198.18.0.13 for host 3.
    public static func address(_ host: Int) -> String { "198.18.0.\(10 + host)" }

    /// Host `host`'s network namespace.
    public static func namespace(_ host: Int) -> String { "pipette-host-\(host)" }

    /// The command prefix that runs a program on `host`: `nsenter --net=…` joins only the host's
    /// network namespace. (`ip netns exec` would also remount /sys, hiding the cgroups runc needs.)
    public static func enter(_ host: Int) -> [String] {
        ["/usr/bin/nsenter", "--net=/run/netns/\(namespace(host))"]
    }

    /// Runs a program on `host` to completion.
    public static func run(on host: Int, _ executable: String, _ arguments: [String],
                           environment: [String: String]? = nil) async throws -> ShellResult {
        let prefix = enter(host)
        return try await shell(prefix[0], Array(prefix.dropFirst()) + [executable] + arguments, environment: environment)
    }

    /// Removes the hosts (and the bridge) and gives up the lock; once only.
    public func down() {
        guard let fd = lock.withLock({ fd in defer { fd = nil }; return fd }) else { return }
        _ = try? shell("/bin/bash", [Self.script, "down"]) as ShellResult
        close(fd)
    }

    public struct Failure: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }

        public init(message: String) { self.message = message }
    }
}
