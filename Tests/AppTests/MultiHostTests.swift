import Foundation
import PipetteCore
import Testing
import TestSupport

/// The platform on three test hosts (network namespaces on one bridge, `scripts/hosts.sh`):
/// host 1 the controller, host 2 an amd64 cell, host 3 an arm64 cell (qemu). Everything is
/// reached by address (each host has its own loopback, so a component that used 127.0.0.1 for
/// another host would fail here), and each process has its own folder.
@Suite("Multi-host", .serialized)
struct MultiHostTests {
    /// Cell ids unique per run (a restarted cell removes every container its id left).
    static let run = UUID().uuidString.prefix(6).lowercased()
    static let (amd, arm) = ("hosts-amd64-\(run)", "hosts-arm64-\(run)")

    @Test func theSeedStagesOnTheArmHostAndTheDropletComesBackByAddress() async throws {
        let hosts = try await TestHosts(3)
        defer { hosts.down() }
        let platform = try await HostsPlatform(cells: [.init(id: Self.amd, host: 2, stacks: ["tiny-amd64"]),
                                                      .init(id: Self.arm, host: 3, stacks: ["tiny-arm64"])])
        do {
            try await scenario(platform)
        } catch {
            Issue.record("\(error)\n\(platform.logs)")
        }
        await platform.stop()
        let left = try await shell("/usr/sbin/runc", ["list", "-q"]).output
        #expect(!left.contains(Self.amd) && !left.contains(Self.arm), "no container is left: \(left)")
    }

    private func scenario(_ platform: HostsPlatform) async throws {
        // Each cell heartbeats the address others reach it on.
        let cells = try await platform.cells()
        #expect(Set(cells.map(\.id)) == [Self.amd, Self.arm], "\(cells.map(\.id))")

        // The seed's request, sent from host 2, for the arm64 stack: staged on host 3.
        let staged = try await platform.pipette(on: 2, "stage", "static", "--stack", "tiny-arm64", "--cc", HostsPlatform.ccURL)
        #expect(staged.status == 0, "\(staged.output)\n\(platform.logs)")
        let rows = Self.rows(staged.output)
        #expect(rows["cell"] == Self.arm, "staged on the arm64 host's cell: \(staged.output)")
        #expect(staged.output.contains("Static site detected (building on aarch64)"), "\(staged.output)")
        #expect(!staged.output.contains("127.0.0.1"), "no loopback address in the staging log: \(staged.output)")
        let blob = try #require(rows["blob"], "the reply names the droplet's blob: \(staged.output)")
        #expect(blob.hasPrefix(HostsPlatform.blobstoreURL + "/blobs/droplets/"), "signed with the blobstore's address: \(blob)")
        let sha256 = try #require(rows["droplet"]?.split(separator: " ").last.map(String.init))

        // The droplet comes back through the blobstore by address, from yet another host (3), intact.
        let file = platform.work.file("droplet.tgz").path
        let download = try await TestHosts.run(on: 3, "/usr/bin/curl", ["-fsS", "-o", file, blob])
        #expect(download.status == 0, "\(download.output)")
        let sum = try await shell("/usr/bin/sha256sum", [file]).output
        #expect(sum.hasPrefix(sha256), "the downloaded droplet's sha256 is the reply's: \(sum) vs \(sha256)")
        let received = try await TestHosts.run(on: 2, "/usr/bin/curl", ["-fsS", HostsPlatform.ccURL + "/droplets"]).output
        #expect(received.contains("\"static\""), "the fake CC on host 1 received the droplet: \(received)")

        // An arm64 app instance runs on host 3 and answers at host 3's address, from host 2.
        let push = try await platform.pipette("push", "apps/shell", "--name", "armweb", "--stack", "tiny-arm64",
                                              "--buildpack", "binary", "--start-timeout", "120")
        #expect(push.status == 0, "\(push.output)\n\(platform.logs)")
        let url = try #require(push.output.split(separator: "\n").first { $0.hasPrefix("armweb/0: http://") }
            .map { String($0.dropFirst("armweb/0: ".count)) }, "push prints the instance's URL: \(push.output)")
        #expect(url.hasPrefix("http://\(TestHosts.address(3)):"), "the instance is reached at its host's address: \(url)")
        let answered = try await eventually(within: .seconds(30)) {
            try await TestHosts.run(on: 2, "/usr/bin/curl", ["-fsS", "--max-time", "5", url]).output.contains("aarch64")
        }
        #expect(answered, "the arm64 instance answers on \(url) from host 2")
        #expect(try await platform.instances("armweb").first?.cellID == Self.arm)

        // Host 3's cell fetched the droplet into its own folder, over HTTP; host 2's has none.
        let cached = { (host: Int) in
            try await shell("/usr/bin/find", [platform.work.file("host-\(host)").path, "-path", "*droplets*", "-name", "*.tgz"]).output
        }
        let (onArm, onAmd) = (try await cached(3), try await cached(2))
        #expect(onArm.contains(".tgz") && !onAmd.contains(".tgz"), "only the arm64 host's cell holds the droplet: \(onArm) \(onAmd)")
    }

    /// `label: value` rows of the CLI's table output (printed last, so they win over log lines).
    static func rows(_ output: String) -> [String: String] {
        var rows: [String: String] = [:]
        for line in output.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            rows[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return rows
    }
}
