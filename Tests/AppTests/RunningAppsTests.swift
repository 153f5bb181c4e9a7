import Foundation
import PipetteCore
import Testing
import TestSupport

/// Apps run on cells, end to end, driven by the CLI against real processes: nats-server with
/// JetStream, blobstore, stager, two auctioneers (one converges at a time), two cells in two
/// zones with runc and CNI, one of them with an arm64 stack run through qemu.
@Suite("Running apps", .serialized)
struct RunningAppsTests {
    /// Cell ids are unique per run: containers are named by cell, and a restarted cell removes
    /// every container its id left, so two runs on one host must not share ids.
    static let run = UUID().uuidString.prefix(6).lowercased()
    static let (c1, c2) = ("apps-c1-\(run)", "apps-c2-\(run)")
    static let cells = [
        AppPlatform.CellSpec(id: c1, zone: "z1", stacks: ["tiny-amd64"]),
        AppPlatform.CellSpec(id: c2, zone: "z2", stacks: ["tiny-amd64", "tiny-arm64"]),
    ]

    @Test func pushRunsScalesRestartsAndSurvivesKilledCellsAndConvergers() async throws {
        let platform = try await AppPlatform(cells: Self.cells, auctioneers: 2)
        do {
            try await scenario(platform)
        } catch {
            await platform.stop()
            throw error
        }
        await platform.stop()
    }

    /// The page at the URL push printed. Should the instance have moved since (restarted after a
    /// liveness check failed on a loaded machine, or a duplicate stopped after a converger
    /// handover), the page at its new URL, saying so; nil, with what the platform shows of the
    /// app and the host's NAT rules, when neither answers.
    private func answer(of app: String, at url: String, _ platform: AppPlatform) async throws -> String? {
        if let page = try await httpGet(url, attempts: 20) { return page }
        let now = try await platform.instances(app)
        if let moved = now.first(where: { $0.index == 0 && $0.state == .running && $0.url != url }), let newURL = moved.url {
            print("\(app)/0 moved after push from \(url) to \(newURL) (crashes: \(moved.crashCount), last: "
                  + "\(moved.lastCrashReason ?? "none"))")
            return try await httpGet(newURL, attempts: 40)
        }
        print("\(app) does not answer at \(url); its instances: \(now)")
        print(try await shell("/usr/sbin/iptables", ["-t", "nat", "-S"]).output)
        return nil
    }

    private func scenario(_ platform: AppPlatform) async throws {

        // Push → running → curl.
        let push = try await platform.pipette("push", "apps/static", "--name", "web")
        #expect(push.status == 0, "\(push.output)\n\(platform.logs)")
        let url = try #require(push.output.split(separator: "\n").first { $0.hasPrefix("web/0: http://") }
            .map { String($0.dropFirst("web/0: ".count)) }, "push prints the instance's URL: \(push.output)")
        let page = try await answer(of: "web", at: url, platform)
        #expect(page?.contains("Hello") == true, "the instance answers at \(url): \(page ?? "nothing")\n\(platform.logs)")
        let app = try await platform.pipette("app", "web")
        #expect(app.output.contains("1/1 running") && app.output.contains("running"), "\(app.output)")

        // The instance's environment, through the lifecycle shell.
        let env = try await platform.pipette("shell", "web/0", "--", "env")
        #expect(env.status == 0 && env.output.contains("PORT=8080") && env.output.contains("HOME=/home/vcap/app"), "\(env.output)")
        #expect(env.output.contains("INSTANCE_INDEX=0") && env.output.contains("VCAP_APPLICATION="), "\(env.output)")

        // One URL through the router, spread over the healthy instances round robin.
        let rr = try await platform.pipette(
            "push", "apps/shell", "--name", "rr", "--instances", "2", "--buildpack", "binary", "--start-command",
            "mkdir -p www && echo instance $INSTANCE_INDEX > www/index.html && exec busybox httpd -f -p $PORT -h www")
        #expect(rr.status == 0 && rr.output.contains("route: http://rr.localhost:\(platform.routerPort)/"), "\(rr.output)")
        var answers = Set<String>()
        _ = try await eventually(within: .seconds(30)) {
            if let body = try await platform.throughRouter("rr") { answers.insert(body.trimmingCharacters(in: .whitespacesAndNewlines)) }
            return answers.count == 2
        }
        #expect(answers == ["instance 0", "instance 1"], "both instances answer through the router: \(answers)")
        let unknownHost = try await shell("/usr/bin/curl", ["-sS", "-H", "Host: nope.localhost", "http://127.0.0.1:\(platform.routerPort)/"])
        #expect(unknownHost.output.contains("no app is routed at nope.localhost"), "\(unknownHost.output)")
        #expect(try await platform.pipette("delete", "rr").status == 0)
        #expect(try await eventually(within: .seconds(15)) { try await platform.throughRouter("rr") == nil },
                "a deleted app's route goes")

        // Scale 1 → 3 → 1, spread over both cells (zones z1 and z2).
        let up = try await platform.pipette("scale", "web", "3")
        #expect(up.status == 0, "\(up.output)\n\(platform.logs)")
        let spread = try await platform.instances("web").filter { $0.state == .running }
        #expect(spread.count == 3 && Set(spread.map(\.cellID)) == [Self.c1, Self.c2], "\(spread)")
        let down = try await platform.pipette("scale", "web", "1")
        #expect(down.status == 0, "\(down.output)")
        #expect(try await eventually(within: .seconds(30)) { try await platform.instances("web").count == 1 })

        // A cell SIGKILLed with the instance on it: it runs again on the other cell.
        let holder = try #require(try await platform.instances("web").first?.cellID)
        await platform.kill(holder)
        let survivor = Self.cells.map(\.id).first { $0 != holder }!
        #expect(try await eventually(within: .seconds(60)) {
            try await platform.instances("web").contains { $0.state == .running && $0.cellID == survivor }
        }, "web/0 re-placed after its cell was lost\n\(platform.logs)")
        // The killed cell's container outlived it; the restarted cell removes it.
        try platform.startCell(holder)
        try await platform.waitForCells([holder])
        #expect(try await eventually(within: .seconds(30)) {
            try await AppPlatform.containers(prefix: InstanceContainer.prefix(cellID: holder)).isEmpty
        }, "no container keeps running unreported")

        // Each converger SIGKILLed in turn: the other takes over, and desired state is intact.
        await platform.kill("auctioneer-0")
        let two = try await platform.pipette("scale", "web", "2")
        #expect(two.status == 0, "\(two.output)\n\(platform.logs)")
        try platform.startAuctioneer(0)
        await platform.kill("auctioneer-1")
        let one = try await platform.pipette("scale", "web", "1")
        #expect(one.status == 0, "\(one.output)\n\(platform.logs)")
        #expect(try await eventually(within: .seconds(30)) { try await platform.instances("web").count == 1 })

        // Scale to 0 and back.
        #expect(try await platform.pipette("scale", "web", "0").status == 0)
        #expect(try await platform.instances("web").isEmpty)
        #expect(try await platform.pipette("scale", "web", "1").status == 0)

        // Stop and start.
        #expect(try await platform.pipette("stop", "web").status == 0)
        #expect(try await platform.instances("web").isEmpty)
        let started = try await platform.pipette("start", "web")
        #expect(started.status == 0, "\(started.output)")

        // Releases and rollback: a second release replaces the first once it runs; rollback brings
        // the first back without restaging; retention removes old droplets.
        #expect(try await platform.pipette("push", "apps/static", "--name", "web", "--env", "MODE=two").status == 0)
        #expect(try await platform.instances("web").allSatisfy { $0.release == 2 })
        let back = try await platform.pipette("rollback", "web")
        #expect(back.status == 0 && back.output.contains("release 1 is current"), "\(back.output)")
        #expect(try await eventually(within: .seconds(30)) {
            let now = try await platform.instances("web")
            return !now.isEmpty && now.allSatisfy { $0.release == 1 }
        }, "the old release's instances are replaced by release 1's")
        #expect(try await platform.pipette("releases", "web").output.contains("1 *"))
        let third = try await platform.pipette("push", "apps/static", "--name", "web", "--keep-releases", "1")
        #expect(third.status == 0 && third.output.contains("removed the droplets of web release 2 "),
                "release 1, which the push replaced, keeps its droplet until release 3 runs: \(third.output)")
        let gone = try await platform.pipette("rollback", "web", "--to", "2")
        #expect(gone.status == 1 && gone.output.contains("can no longer be rolled back to"), "\(gone.output)")

        // A release whose instances crash: push says why and fails, the old release keeps serving
        // through the router, and a rollback brings the app back to it.
        let broken = try await platform.pipette("push", "apps/static", "--name", "web", "--start-command", "exit 3",
                                                "--start-timeout", "60")
        #expect(broken.status == 1 && broken.output.contains("exit status 3"), "\(broken.output)")
        #expect(try await platform.throughRouter("web")?.contains("Hello") == true, "release 3 still serves")
        let recovered = try await platform.pipette("rollback", "web", "--to", "3")
        #expect(recovered.status == 0, "\(recovered.output)")

        // Logs: the instance's lifecycle and output lines are kept with the staging log.
        let logs = try await platform.pipette("logs", "web")
        #expect(logs.output.contains("[APP 0]") && logs.output.contains("[STG "), "\(logs.output)")

        // An app that exits at once: the push fails with the reason; restarts count up.
        let crashy = try await platform.pipette("push", "apps/static", "--name", "crashy", "--start-command", "echo bye; exit 3",
                                                "--start-timeout", "60")
        #expect(crashy.status == 1 && crashy.output.contains("exit status 3"), "\(crashy.output)")
        #expect(try await eventually(within: .seconds(30)) {
            try await platform.instances("crashy").contains { $0.crashCount >= 2 }
        }, "crashed instances restart at once for the first crashes")

        // An arm64 instance, placed only on the cell with the arm64 stack, answers from aarch64.
        let arm = try await platform.pipette("push", "apps/shell", "--name", "arm", "--stack", "tiny-arm64",
                                             "--buildpack", "binary", "--start-timeout", "120")
        #expect(arm.status == 0, "\(arm.output)\n\(platform.logs)")
        let armURL = arm.output.split(separator: "\n").first { $0.hasPrefix("arm/0: http://") }.map { String($0.dropFirst("arm/0: ".count)) }
        #expect(try await answer(of: "arm", at: armURL ?? "http://127.0.0.1:1", platform)?.contains("aarch64") == true)
        #expect(try await platform.instances("arm").first?.cellID == Self.c2)

        // Bad input: each a sentence, exit 1 or 64.
        let unknown = try await platform.pipette("scale", "nope", "2")
        #expect(unknown.status == 1 && unknown.output.contains("no app named nope"), "\(unknown.output)")
        let negative = try await platform.pipette("scale", "web", "-1")
        #expect(negative.status == 64, "\(negative.output)")
        let badTarget = try await platform.pipette("shell", "web/x")
        #expect(badTarget.status == 64 && badTarget.output.contains("APP/INDEX"), "\(badTarget.output)")
        let noStack = try await platform.pipette("push", "apps/static", "--name", "nostack", "--stack", "cflinuxfs9")
        #expect(noStack.status == 1, "\(noStack.output)")
        let empty = platform.work.file("empty-app")
        try FileManager.default.createDirectory(at: empty.appendingPathComponent("sub"), withIntermediateDirectories: true)
        let emptyPush = try await platform.pipette("push", empty.path, "--name", "empty")
        #expect(emptyPush.status == 1 && emptyPush.output.contains("has no files; nothing to push"), "\(emptyPush.output)")

        // Two pushes of one app racing: both are recorded, numbered one after the other.
        async let first = platform.pipette("push", "apps/static", "--name", "race", "--instances", "0")
        async let second = platform.pipette("push", "apps/static", "--name", "race", "--instances", "0")
        let (a, b) = try await (first, second)
        #expect(a.status == 0 && b.status == 0, "\(a.output)\n\(b.output)")
        let race = try #require(try await platform.record("race"))
        #expect(race.releases.map(\.number) == [1, 2] && race.currentRelease == 2, "\(race.releases)")

        // Delete: instances and droplets go.
        let dropletKey = try #require(try await platform.record("web")?.current?.dropletKey)
        #expect(try await platform.pipette("delete", "web").status == 0)
        #expect(try await platform.instances("web").isEmpty)
        let droplet = BlobURLSigner(secret: AppPlatform.secret).signedURL(base: platform.blobstoreURL, method: "GET",
                                                                          key: dropletKey, validFor: 60)
        #expect(try await shell("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", droplet]).output == "404")
    }
}
