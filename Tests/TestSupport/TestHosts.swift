import Foundation

/// Test hosts from `scripts/hosts.sh`: network namespaces `pipette-host-<i>` at 198.18.0.(10+i)
/// on one bridge, so components reach each other by address. `down()` removes them (call it in a
/// `defer`); starting also removes what an earlier run left.
public final class TestHosts: Sendable {
    public static let script = ProjectPaths.root.appendingPathComponent("scripts/hosts.sh").path
    public let count: Int

    public init(_ count: Int) async throws {
        self.count = count
        _ = try await shell("/bin/bash", [Self.script, "down"])
        let up = try await shell("/bin/bash", [Self.script, "up", String(count)])
        guard up.status == 0 else { throw Failure(message: "scripts/hosts.sh up \(count) failed: \(up.output)") }
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

    /// Removes the hosts (and the bridge).
    public func down() {
        _ = try? shell("/bin/bash", [Self.script, "down"]) as ShellResult
    }

    public struct Failure: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }

        public init(message: String) { self.message = message }
    }
}
