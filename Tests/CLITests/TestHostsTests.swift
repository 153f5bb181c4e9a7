import Foundation
import Testing
import TestSupport

/// `scripts/hosts.sh`: test hosts as network namespaces on one bridge, reaching each other by
/// address (198.18.0.0/24), the ground the multi-host tests stand on.
@Suite("Test hosts", .serialized)
struct TestHostsTests {
    static let script = TestHosts.script

    @Test func hostsReachEachOtherByAddressAndGoAway() async throws {
        let hosts = try await TestHosts(2)
        defer { hosts.down() }
        #expect(hosts.output.contains("pipette-host-2 at 198.18.0.12"), "\(hosts.output)")
        let nats = Process()
        nats.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        nats.arguments = ["netns", "exec", "pipette-host-1", "nats-server", "-a", "198.18.0.11", "-p", "4222"]
        nats.standardOutput = FileHandle.nullDevice
        nats.standardError = FileHandle.nullDevice
        try nats.run()
        defer {
            nats.terminate()
            nats.waitUntilExit()
        }
        // From host 2, the pipette CLI reaches NATS on host 1 by its address (no auctioneer runs there).
        var answer = ""
        for _ in 0..<100 where !answer.contains("no auctioneer is answering") {
            answer = try await shell("/usr/sbin/ip", ["netns", "exec", "pipette-host-2", CLITests.pipette, "cells",
                                                      "--nats", "nats://198.18.0.11:4222"]).output
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(answer.contains("no auctioneer is answering"), "host 2 reached NATS on host 1: \(answer)")
        // `run` joins only the host's network: the cgroups runc needs stay visible (`ip netns exec` hides them).
        let run = try await shell("/bin/bash", [Self.script, "run", "2", "/bin/sh", "-c", "ip -4 -o addr show eth0; ls /sys/fs/cgroup"])
        #expect(run.output.contains("198.18.0.12/24") && run.output.contains("memory"), "\(run.output)")
        let missing = try await shell("/bin/bash", [Self.script, "run", "9", "true"])
        #expect(missing.status == 1 && missing.output.contains("no test host pipette-host-9"), "\(missing.output)")
        let list = try await shell("/bin/bash", [Self.script, "list"])
        #expect(list.output.contains("pipette-host-1 198.18.0.11/24"), "\(list.output)")
    }
}
