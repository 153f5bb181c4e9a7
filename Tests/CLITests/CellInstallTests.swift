import Foundation
import Testing
import TestSupport

/// `pipette cell install` / `uninstall`: a cell as a systemd service (BOSH's job + monit), written
/// into a temporary root, checked by `systemd-analyze verify`, and its command line run on a test host.
@Suite("Cell as a service", .serialized)
struct CellInstallTests {
    static let run = UUID().uuidString.prefix(6).lowercased()
    static let secretURL = "nats://cell:s3cret@198.18.0.11:4222"

    static func pipette(_ arguments: [String], environment: [String: String] = [:]) async throws -> ShellResult {
        var base = ProcessInfo.processInfo.environment
        base["PIPETTE_NATS_URL"] = nil
        return try await shell(CLITests.pipette, arguments, cwd: ProjectPaths.root, environment: base.merging(environment) { $1 })
    }

    static func install(root: TemporaryDirectory, _ extra: [String], natsURL: String = secretURL,
                        buildStacks: Bool = false) async throws -> ShellResult {
        try await pipette(["cell", "install", "--root", root.path] + (buildStacks ? [] : ["--no-build-stacks"]) + extra,
                          environment: ["PIPETTE_NATS_URL": natsURL])
    }

    @Test func installWritesAVerifiedUnitAndUninstallLeavesNothing() async throws {
        let root = try TemporaryDirectory("cell-root")
        let cache = try TemporaryDirectory("cell-cache")
        defer { root.remove(); cache.remove() }
        let arguments = ["--cache", cache.path, "--id", "hosts-inst-\(Self.run)", "--stacks", "tiny-amd64,tiny-arm64",
                         "--advertise", "198.18.0.12", "--max-containers", "4", "--evacuation-timeout", "20", "--tag", "disk=ssd"]
        // The stacks are built into the (empty) stack cache: the tiny ones take seconds.
        let first = try await Self.install(root: root, arguments, buildStacks: true)
        #expect(first.status == 0, "\(first.output)")
        for stack in ["tiny-amd64", "tiny-arm64"] {
            #expect(FileManager.default.fileExists(atPath: cache.file("stacks/\(stack)/metadata.json").path), "\(stack) was built")
        }
        #expect(first.output.contains("installed under \(root.path); nothing started"), "\(first.output)")

        let unit = try String(contentsOf: root.file("etc/systemd/system/pipette-cell.service"), encoding: .utf8)
        for line in ["Type=simple", "Restart=on-failure", "RestartSec=5", "KillSignal=SIGTERM", "TimeoutStopSec=50",
                     "LimitNOFILE=65536", "TasksMax=512", "MemoryMax=768M", "EnvironmentFile=/etc/pipette/cell.env",
                     "ExecStartPre=-/usr/sbin/update-binfmts --enable qemu-aarch64", "WantedBy=multi-user.target"] {
            #expect(unit.contains("\n" + line + "\n"), "the unit has \(line):\n\(unit)")
        }
        #expect(unit.contains(" cell --config /etc/pipette/cell.yml\n"), "\(unit)")
        #expect(!unit.contains("qemu-x86_64"), "an amd64 stack on an amd64 host needs no qemu")
        let config = try String(contentsOf: root.file("etc/pipette/cell.yml"), encoding: .utf8)
        #expect(config.contains("stacks: [\"tiny-amd64\",\"tiny-arm64\"]") && config.contains("log_format: \"journal\""), "\(config)")
        #expect(config.contains("tags: {\"disk\":\"ssd\"}") && config.contains("advertise: \"198.18.0.12\""), "\(config)")
        let env = root.file("etc/pipette/cell.env")
        let mode = try FileManager.default.attributesOfItem(atPath: env.path)[.posixPermissions] as? Int
        #expect(mode == 0o600, "the env file is for root only")
        #expect(try String(contentsOf: env, encoding: .utf8).contains("PIPETTE_NATS_URL=\"\(Self.secretURL)\""))
        #expect(!unit.contains("s3cret") && !config.contains("s3cret"), "the credentials are only in the env file")

        // systemd's own check of the unit: no warning at all.
        let verify = try await shell("/usr/bin/systemd-analyze", ["verify", root.file("etc/systemd/system/pipette-cell.service").path])
        #expect(verify.status == 0 && verify.output.isEmpty, "systemd-analyze verify: \(verify.output)")

        // Installing again is the same install (the stacks are built already).
        let again = try await Self.install(root: root, arguments, buildStacks: true)
        #expect(again.status == 0, "\(again.output)")
        #expect(try String(contentsOf: root.file("etc/systemd/system/pipette-cell.service"), encoding: .utf8) == unit)

        let uninstall = try await Self.pipette(["cell", "uninstall", "--root", root.path, "--purge"])
        #expect(uninstall.status == 0, "\(uninstall.output)")
        let left = try await shell("/usr/bin/find", [root.path, "-type", "f"]).output
        #expect(left.isEmpty, "uninstall leaves no file: \(left)")
        let stacks = try FileManager.default.contentsOfDirectory(atPath: cache.file("stacks").path)
        #expect(stacks.isEmpty, "--purge removes the stacks: \(stacks)")
        let twice = try await Self.pipette(["cell", "uninstall", "--root", root.path])
        #expect(twice.status == 0 && twice.output.contains("nothing to remove"), "\(twice.output)")
    }

    @Test func badInstallInputIsRefusedWithASentence() async throws {
        let root = try TemporaryDirectory("cell-root")
        defer { root.remove() }
        let good = ["--stacks", "tiny-amd64", "--advertise", "198.18.0.12"]
        let unknown = try await Self.install(root: root, ["--stacks", "tiny-riscv64", "--advertise", "198.18.0.12"])
        #expect(unknown.status == 64 && unknown.output.contains("unknown stack tiny-riscv64; known stacks: tiny-amd64"),
                "\(unknown.output)")
        let noNATS = try await Self.pipette(["cell", "install", "--root", root.path] + good)
        #expect(noNATS.status == 64 && noNATS.output.contains("--nats is required"), "\(noNATS.output)")
        let badNATS = try await Self.install(root: root, good, natsURL: "http://u:pw@198.18.0.11:4222")
        #expect(badNATS.status == 64 && badNATS.output.contains("is not a NATS URL") && !badNATS.output.contains("pw@"),
                "\(badNATS.output)")
        let noAdvertise = try await Self.install(root: root, ["--stacks", "tiny-amd64"])
        #expect(noAdvertise.status == 64 && noAdvertise.output.contains("--advertise is required"), "\(noAdvertise.output)")
        let badRange = try await Self.install(root: root, good + ["--port-range", "80-90"])
        #expect(badRange.status == 64 && badRange.output.contains("--port-range (port_range) must be A-B"), "\(badRange.output)")
        // Not root: refused before anything is written.
        let notRoot = try await shell("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", CLITests.pipette,
                                                           "cell", "install", "--root", root.path, "--nats", "nats://198.18.0.11:4222"] + good)
        #expect(notRoot.status == 1 && notRoot.output.contains("must run as root"), "\(notRoot.output)")
        let notRootUninstall = try await shell("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups",
                                                                    CLITests.pipette, "cell", "uninstall", "--root", root.path])
        #expect(notRootUninstall.status == 1 && notRootUninstall.output.contains("must run as root"), "\(notRootUninstall.output)")
        let written = try FileManager.default.contentsOfDirectory(atPath: root.path)
        #expect(written.isEmpty, "nothing was written: \(written)")

        // A config file with a typo names the key; a bad value names the flag and the key.
        let typo = try root.write("typo.yml", "id: c1\nstack: [tiny-amd64]\n")
        let typoRun = try await Self.pipette(["cell", "--config", typo.path])
        #expect(typoRun.status == 64 && typoRun.output.contains("has an unknown key stack; known keys: id, zone, stacks"),
                "\(typoRun.output)")
        let bad = try root.write("bad.yml", "max_containers: 0\n")
        let badRun = try await Self.pipette(["cell", "--config", bad.path])
        #expect(badRun.status == 64 && badRun.output.contains("--max-containers (max_containers) must be at least 1"), "\(badRun.output)")
        let badFormat = try await Self.pipette(["cell", "--log-format", "xml"])
        #expect(badFormat.status == 64 && badFormat.output.contains("--log-format (log_format) must be one of: text, journal"),
                "\(badFormat.output)")
        // A flag overrides the file: the run gets past validation to the (unbuildable) stack.
        let overridden = try await Self.pipette(["cell", "--config", bad.path, "--max-containers", "2", "--id", "c1",
                                                 "--stacks", "tiny-riscv64", "--nats", "nats://127.0.0.1:1"])
        #expect(overridden.status == 1 && overridden.output.contains("cell c1 has no stack it can run (asked for: tiny-riscv64)"),
                "\(overridden.output)")
    }

    /// The unit's command line, as systemd would run it: ExecStart with Environment= and the
    /// EnvironmentFile applied, its /etc/pipette paths under `root`.
    static func commandLine(root: TemporaryDirectory) throws -> (arguments: [String], environment: [String: String]) {
        let unit = try String(contentsOf: root.file("etc/systemd/system/pipette-cell.service"), encoding: .utf8)
        let lines = unit.split(separator: "\n")
        func value(_ key: String) -> String? { lines.first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) } }
        let words = try #require(value("ExecStart")).split(separator: " ").map {
            $0.replacingOccurrences(of: "\"", with: "").replacingOccurrences(of: "/etc/pipette/", with: root.path + "/etc/pipette/")
        }
        var environment: [String: String] = [:]
        for pair in try #require(value("Environment")).split(separator: "\" \"") {
            let parts = pair.replacingOccurrences(of: "\"", with: "").split(separator: "=", maxSplits: 1)
            environment[String(parts[0])] = String(parts[1])
        }
        let envFile = try String(contentsOf: root.file("etc/pipette/cell.env"), encoding: .utf8)
        for line in envFile.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "=", maxSplits: 1)
            environment[String(parts[0])] = String(parts[1].dropFirst().dropLast())
        }
        return (words, environment)
    }

    @Test func theInstalledCommandLineRunsOnATestHostAndHeartbeats() async throws {
        let hosts = try await TestHosts(2)
        defer { hosts.down() }
        let nats = try NATSServer(port: 4222, onHost: 1)
        defer { nats.stop() }
        let auctioneer = try ServiceProcess(["auctioneer", "--nats", nats.url], onHost: 1)
        defer { auctioneer.stop() }
        let root = try TemporaryDirectory("cell-root")
        defer { root.remove() }
        let id = "hosts-svc-\(Self.run)"
        let install = try await Self.install(root: root, ["--id", id, "--stacks", "tiny-amd64", "--advertise", TestHosts.address(2),
                                                          "--workspace-dir", root.file("work").path, "--evacuation-timeout", "5"],
                                             natsURL: nats.url)
        #expect(install.status == 0, "\(install.output)")
        let (command, environment) = try Self.commandLine(root: root)
        #expect(environment["PIPETTE_NATS_URL"] == nats.url && environment["PIPETTE_CACHE"] != nil, "\(environment)")

        let cell = try ServiceProcess(Array(command.dropFirst()), environment: environment, onHost: 2, executable: command[0])
        defer { cell.stop() }
        let heard = try await eventually(within: .seconds(30)) {
            try await shell(CLITests.pipette, ["cells", "--nats", nats.url]).output.contains(id)
        }
        #expect(heard, "the installed cell on host 2 heartbeats to host 1:\n\(cell.log)")
        #expect(await cell.waitFor("cell \(id) ready in zone z1 at \(TestHosts.address(2))"), "\(cell.log)")
        #expect(!cell.log.contains("info pipette"), "journal format: no timestamped text lines:\n\(cell.log)")
        cell.signal(SIGTERM)
        #expect(await cell.exitStatus(within: .seconds(30)) == 0, "SIGTERM evacuates and ends the cell:\n\(cell.log)")
        #expect(cell.log.contains("<6>pipette.cell: "), "journal format: <N> priorities:\n\(cell.log)")
    }
}
