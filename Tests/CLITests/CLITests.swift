import Foundation
import Testing
import TestSupport

/// The `pipette` executable as a user meets it: help, usage errors, clear failures, a build.
@Suite("pipette command line")
struct CLITests {
    static let pipette = ProjectPaths.root.appendingPathComponent(".build/debug/pipette").path

    private func pipette(_ arguments: String...) throws -> ShellResult {
        try shell(Self.pipette, arguments, cwd: ProjectPaths.root)
    }

    @Test func helpTeachesTheSubcommands() throws {
        let result = try pipette("--help")
        #expect(result.status == 0)
        for word in ["build", "run-droplet", "stack", "Quick start"] { #expect(result.output.contains(word)) }
        let build = try pipette("build", "--help")
        #expect(build.output.contains("--buildpack"))
        #expect(build.output.contains("Examples:"))
    }

    /// libnats and libarchive (with OpenSSL, libxml2, ICU and the rest they bring) are opened on
    /// first use: a command that needs neither never loads them (about 5 ms of every start).
    @Test func theCLibrariesAreNotLoadedAtStart() throws {
        let loaded = try shell(Self.pipette, [], environment: ["LD_TRACE_LOADED_OBJECTS": "1"])
        #expect(loaded.status == 0)
        #expect(loaded.output.contains("libc.so.6"), "\(loaded.output)")
        for library in ["libnats", "libarchive", "libssl", "libxml2", "libicu"] {
            #expect(!loaded.output.contains(library), "\(library) is loaded at start: \(loaded.output)")
        }
    }

    @Test func usageErrorsExit64() throws {
        let result = try pipette("build")
        #expect(result.status == 64)
        #expect(result.output.contains("Missing expected argument"))
        #expect(try pipette("build", "apps/static", "--stack", "tiny-amd64", "--skip-detect").status == 64)
        #expect(try pipette("run-droplet", "x.tgz", "--stack", "tiny-amd64", "--port", "70000").status == 64)
    }

    /// An unknown log level was read as info without a word; every service, `together` and
    /// the config files now refuse it with the levels there are. The seed's `debug2` still works.
    @Test func anUnknownLogLevelIsRefusedWithTheLevelsThereAre() throws {
        let work = try TemporaryDirectory("log-level")
        defer { work.remove() }
        for command in [["auctioneer"], ["blobstore", "--dir", work.path], ["fake-cc"], ["router"], ["together"],
                        ["stager", "--local"], ["cell", "--id", "c1"], ["cell", "install", "--nats", "nats://127.0.0.1:1"]] {
            let result = try shell(Self.pipette, command + ["--log-level", "loud"], cwd: ProjectPaths.root)
            #expect(result.status == 64, "\(command): \(result.output)")
            #expect(result.output.contains("The value 'loud' is invalid for '--log-level"), "\(command): \(result.output)")
            #expect(result.output.contains("- warning"), "\(command): \(result.output)")
        }
        let stagerFile = work.file("stager.yml")
        try "logging:\n  level: loud\n".write(to: stagerFile, atomically: true, encoding: .utf8)
        let stager = try pipette("stager", "--local", "--config", stagerFile.path)
        #expect(stager.status == 64)
        #expect(stager.output.contains("logging.level in \(stagerFile.path) \"loud\" is not a log level; use one of trace, debug, info, warning, error, critical"),
                "\(stager.output)")
        let cellFile = work.file("cell.yml")
        try "log_level: loud\n".write(to: cellFile, atomically: true, encoding: .utf8)
        let cell = try pipette("cell", "--id", "c1", "--config", cellFile.path, "--nats", "nats://127.0.0.1:1")
        #expect(cell.status == 64)
        #expect(cell.output.contains("--log-level (log_level) \"loud\" is not a log level"), "\(cell.output)")
        // Still taken: the seed's name for trace, in capitals too (the cell goes on to refuse its stack).
        #expect(try pipette("cell", "--id", "c1", "--log-level", "DEBUG2", "--stacks", "tiny-riscv64", "--nats", "nats://127.0.0.1:1").status == 1)
    }

    /// A service given a URL that is not a NATS server's says so at once (exit 64); it used to
    /// wait 30 s for a server and then say none was available.
    @Test func aServiceGivenAnotherKindOfURLForNATSSaysSoAtOnce() throws {
        for command in [["auctioneer"], ["router"], ["cell", "--id", "c1"], ["stager", "--local"]] {
            let result = try shell(Self.pipette, command + ["--nats", "http://127.0.0.1:4222"], cwd: ProjectPaths.root)
            #expect(result.status == 64, "\(command): \(result.output)")
            #expect(result.output.contains("http://127.0.0.1:4222 is not a NATS URL; use nats://HOST:4222"), "\(command): \(result.output)")
        }
        // Client commands too (they said so with exit 1), `stage` on its quick path as well.
        for command in [["stage", "static"], ["cells"], ["apps"], ["scale", "web", "2"], ["logs", "web"]] {
            let result = try shell(Self.pipette, command + ["--nats", "http://127.0.0.1:4222"], cwd: ProjectPaths.root)
            #expect(result.status == 64, "\(command): \(result.output)")
            #expect(result.output.contains("--nats (or PIPETTE_NATS_URL) http://127.0.0.1:4222 is not a NATS URL"), "\(command): \(result.output)")
            #expect(!result.output.contains("Usage:"), "the sentence alone: \(result.output)")
        }
    }

    /// With a server but no stager, `pipette stage` (its plain socket hands over to libnats, which
    /// waits for one) says the timeout it was given, not what was left of it after the hand-over.
    @Test func aStageWithNoStagerSaysTheTimeoutItWasGiven() throws {
        let server = try NATSServer(jetStream: false)
        let result = try shell(Self.pipette, ["stage", "static", "--nats", server.url, "--timeout", "2"], cwd: ProjectPaths.root)
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("no stager is listening on queue staging yet"), "\(result.output)")
        #expect(result.output.contains("Error: no reply on staging within 2 seconds"), "\(result.output)")
    }

    /// `PIPETTE_PAGE_RELEASE_SECONDS` sets how often a service gives back unused pages; a value
    /// that is not a number of seconds is refused before the service starts.
    @Test func thePageReleaseIntervalIsReadAndABadOneRefused() async throws {
        let dir = try TemporaryDirectory("page-release")
        defer { dir.remove() }
        var environment = ProcessInfo.processInfo.environment
        environment["PIPETTE_PAGE_RELEASE_SECONDS"] = "soon"
        let refused = try await shell(Self.pipette, ["blobstore", "--dir", dir.file("a").path, "--port", String(freePort())],
                                cwd: ProjectPaths.root, environment: environment)
        #expect(refused.status == 64, "\(refused.output)")
        #expect(refused.output.contains("PIPETTE_PAGE_RELEASE_SECONDS=soon is not a number of seconds; give a whole number"),
                "\(refused.output)")
        // Every second: the first release comes after 1 s, not the default 10 s.
        let blobstore = try ServiceProcess(["blobstore", "--dir", dir.file("b").path, "--port", String(freePort()), "--log-level", "debug"],
                                           environment: ["PIPETTE_PAGE_RELEASE_SECONDS": "1"])
        defer { blobstore.stop() }
        #expect(await blobstore.waitFor("released unused pages of mapped files", timeout: .seconds(8)), "\(blobstore.log)")
    }

    /// A config file that is not what it should be is named with the key and what it should hold.
    @Test func aBadConfigFileSaysWhichKeyAndWhatItShouldHold() async throws {
        let work = try TemporaryDirectory("config-files")
        defer { work.remove() }
        for (text, stager, cell) in [
            ("root:x:0:0:root:/root:/bin/bash\n", "it is not a mapping of settings (`key: value` lines)",
             "it is not a mapping of settings (`key: value` lines)"),
            ("max_active_tasks: lots\nmax_containers: lots\n", "max_active_tasks should be a whole number", "unknown key max_active_tasks"),
            ("queues: staging\ntags: [a]\n", "queues should be a list", "unknown key queues"),
            ("tags: [a]\n", nil, "tags should be a mapping (`key: value` lines)"),
        ] as [(String, String?, String)] {
            let file = work.file("config.yml")
            try text.write(to: file, atomically: true, encoding: .utf8)
            if let stager {
                let result = try pipette("stager", "--local", "--config", file.path)
                #expect(result.status == 64 && result.output.contains("config file \(file.path) is not valid: \(stager)"), "\(result.output)")
                #expect(!result.output.contains("DecodingError"))
            }
            let result = try pipette("cell", "--id", "c1", "--config", file.path)
            #expect(result.status == 64 && result.output.contains(cell), "\(result.output)")
            #expect(!result.output.contains("DecodingError"))
        }
        // A key the stager does not read is named with a usage error (a typo is its likely cause)…
        let typo = work.file("typo.yml")
        try "max_active_task: 3\nnats_uri: http://127.0.0.1:1\n".write(to: typo, atomically: true, encoding: .utf8)
        let refused = try pipette("stager", "--local", "--config", typo.path)
        #expect(refused.status == 64 && refused.output.contains("(config file \(typo.path) also has keys the stager does not read: "
                                                                + "max_active_task; a typo?)"), "\(refused.output)")
        #expect(refused.output.contains("Usage: pipette stager"), "\(refused.output)")
        let seed = try pipette("stager", "--local", "--config", "config/stager.yml", "--nats", "http://127.0.0.1:1")
        #expect(seed.status == 64 && !seed.output.contains("does not read"), "\(seed.output)")
        // …and warned about, once, when the stager starts anyway.
        let nats = try NATSServer()
        defer { nats.stop() }
        try "max_active_task: 3\n".write(to: typo, atomically: true, encoding: .utf8)
        let stager = try ServiceProcess(["stager", "--local", "--config", typo.path, "--nats", nats.url])
        defer { stager.stop() }
        #expect(await stager.waitFor("stager ready"), "\(stager.log)")
        let warning = "warning: config file \(typo.path) has a key the stager does not read: max_active_task (a typo?)"
        #expect(stager.log.components(separatedBy: warning).count == 2, "\(stager.log)")
    }

    @Test func aStagerOnCellsWithoutABlobstoreSaysWhatToDo() throws {
        let result = try pipette("stager", "--nats", "nats://127.0.0.1:1")
        #expect(result.status == 64)
        #expect(result.output.contains("staging on cells needs a blobstore"), "\(result.output)")
        #expect(result.output.contains("--local"))
    }

    @Test func aCellWithNoRunnableStackRefusesToStartAndSaysWhy() throws {
        let result = try pipette("cell", "--id", "c1", "--stacks", "tiny-riscv64,tiny-amd64x", "--nats", "nats://127.0.0.1:1")
        #expect(result.status == 1)
        #expect(result.output.contains("cell c1 refuses stack tiny-riscv64: unknown stack tiny-riscv64; known stacks: tiny-amd64"),
                "\(result.output)")
        #expect(result.output.contains("cell c1 has no stack it can run (asked for: tiny-riscv64, tiny-amd64x)"))
        #expect(!result.output.contains("Fatal error"))
    }

    @Test func cellsWithNoAuctioneerSaysWhatToStart() async throws {
        let nats = try NATSServer()
        defer { nats.stop() }
        let result = try pipette("cells", "--nats", nats.url)
        #expect(result.status == 1)
        #expect(result.output.contains("no auctioneer is answering on pipette.auction.cells; start one with `pipette auctioneer`"),
                "\(result.output)")
    }

    /// A command run while the auctioneer restarts (or before it is up) waits a few seconds for
    /// one instead of failing at once: a test that scaled an app just after restarting one
    /// converger and killing the other failed so, once in CI.
    @Test func cellsWaitsBrieflyForAnAuctioneerThatIsStarting() async throws {
        let nats = try NATSServer()
        defer { nats.stop() }
        async let listed = shell(Self.pipette, ["cells", "--nats", nats.url])
        try await Task.sleep(for: .seconds(1))
        let auctioneer = try ServiceProcess(["auctioneer", "--nats", nats.url])
        defer { auctioneer.stop() }
        let result = try await listed
        #expect(result.status == 0, "\(result.output)\n\(auctioneer.log)")
        #expect(result.output.contains("no auctioneer is answering on pipette.auction.cells yet; waiting up to 5 s"),
                "\(result.output)")
    }

    @Test func aMissingAppIsAClearErrorWithoutAStackTrace() throws {
        let result = try pipette("build", "/nonexistent/app", "--stack", "tiny-amd64")
        #expect(result.status == 1)
        #expect(result.output.contains("app /nonexistent/app does not exist"))
        #expect(!result.output.contains("Fatal error"))
    }

    @Test func anUnknownStackNamesTheKnownOnes() throws {
        let result = try pipette("build", "apps/static", "--stack", "cflinuxfs4")
        #expect(result.status == 1)
        #expect(result.output.contains("unknown stack cflinuxfs4; known stacks: tiny-amd64, tiny-arm64, bookworm-amd64, bookworm-arm64"))
    }

    @Test func stackListShowsBuiltStacks() throws {
        let result = try pipette("stack", "list")
        #expect(result.status == 0)
        #expect(result.output.split(separator: "\n").contains { $0.hasPrefix("tiny-amd64") && $0.contains("built") })
    }

    @Test func stackListSpeaksJSON() throws {
        let result = try shell(Self.pipette, ["stack", "list", "--json"], cwd: ProjectPaths.root)
        #expect(result.status == 0)
        let stacks = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[String: Any]] ?? []
        #expect(stacks.map { $0["name"] as? String } == ["tiny-amd64", "tiny-arm64", "bookworm-amd64", "bookworm-arm64"])
        let tiny = try #require(stacks.first)
        #expect(tiny["arch"] as? String == "amd64" && tiny["built"] as? Bool == true, "\(tiny)")
        #expect((tiny["sha256"] as? String)?.count == 64 && (tiny["size"] as? Int ?? 0) > 0 && tiny["built_at"] is String, "\(tiny)")
    }

    /// `-o` naming a folder used to delete the folder, with everything in it, to put the droplet
    /// file in its place. A folder now receives `<app>-<stack>.tgz`; a file is replaced; a folder
    /// that does not exist is refused before anything is staged.
    @Test func theOutputCanBeAFolderAndNothingButTheDropletIsReplaced() throws {
        let dir = try TemporaryDirectory("cli-output")
        defer { dir.remove() }
        let folder = dir.file("droplets")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: folder.appendingPathComponent("precious"))
        let intoFolder = try pipette("build", "apps/static", "--stack", "tiny-amd64", "-o", folder.path)
        #expect(intoFolder.status == 0, "\(intoFolder.output)")
        #expect(try String(contentsOf: folder.appendingPathComponent("precious"), encoding: .utf8) == "keep")
        let droplet = folder.appendingPathComponent("static-tiny-amd64.tgz")
        #expect(intoFolder.output.contains("droplet:       \(droplet.path)"), "\(intoFolder.output)")
        #expect(try shell("/bin/tar", ["tzf", droplet.path]).output.contains("staging_info.yml"))

        try Data("old".utf8).write(to: dir.file("old.tgz"))
        #expect(try pipette("build", "apps/static", "--stack", "tiny-amd64", "-o", dir.file("old.tgz").path).status == 0)
        #expect(try shell("/bin/tar", ["tzf", dir.file("old.tgz").path]).output.contains("staging_info.yml"), "the file is replaced")

        // Onto another file system (the workspace is under the temporary directory): copied beside, renamed over.
        var temporary = stat(), shared = stat()
        if stat(NSTemporaryDirectory(), &temporary) == 0, stat("/dev/shm", &shared) == 0, temporary.st_dev != shared.st_dev {
            let elsewhere = "/dev/shm/pipette-cli-\(getpid()).tgz"
            defer { unlink(elsewhere) }
            #expect(try pipette("build", "apps/static", "--stack", "tiny-amd64", "-o", elsewhere).status == 0)
            #expect(try shell("/bin/tar", ["tzf", elsewhere]).output.contains("staging_info.yml"))
            let partials = try FileManager.default.contentsOfDirectory(atPath: "/dev/shm").filter { $0.contains(".partial-") }
            #expect(partials.isEmpty, "\(partials)")
        }

        // A full disk at the destination: said with what to do, and no partial file left there.
        let full = try SmallDisk(megabytes: 1, label: "cli-output-full")
        defer { full.remove() }
        try Data(count: Int(full.freeBytes)).write(to: full.file("fill"))
        let noRoom = try pipette("build", "apps/static", "--stack", "tiny-amd64", "-o", full.file("static.tgz").path)
        #expect(noRoom.status == 1, "\(noRoom.output)")
        #expect(noRoom.output.contains("cannot write the droplet to \(full.file("static.tgz").path): ")
                && noRoom.output.contains("; free space there, or give another --output"), "\(noRoom.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: full.path) == ["fill"])

        let empty = try pipette("build", "apps/static", "--stack", "tiny-amd64", "-o", "")
        #expect(empty.status == 64 && empty.output.contains("--output is empty"), "\(empty.output)")
        for missing in [dir.file("nowhere/static.tgz").path, dir.file("nowhere").path + "/"] {
            let refused = try pipette("build", "apps/static", "--stack", "tiny-amd64", "-o", missing)
            #expect(refused.status == 64, "\(refused.output)")
            #expect(refused.output.contains("--output \(missing): "), "\(refused.output)")
            #expect(refused.output.contains("create it first"), "\(refused.output)")
            #expect(refused.output.contains("Usage: pipette build "), "the build's usage: \(refused.output)")
            #expect(!refused.output.contains("==> Staging"), "refused before staging: \(refused.output)")
        }
    }

    @Test func buildPrintsTheDropletsDigest() throws {
        let dir = try TemporaryDirectory("cli")
        defer { dir.remove() }
        let droplet = dir.file("static.tgz").path
        let result = try pipette("build", "apps/static", "--stack", "tiny-amd64", "-o", droplet)
        #expect(result.status == 0, "\(result.output)")
        let sum = try shell("/usr/bin/sha256sum", [droplet]).output.prefix(64)
        #expect(result.output.contains("sha256:        \(sum)"))
        #expect(result.output.contains("buildpack:     staticfile"))
        #expect(result.output.contains("-----> "), "buildpack output is shown")
    }

    /// Ctrl-C during a build: the error says it was interrupted (it used to be runc's
    /// "CancellationError()"), and no container or workspace is left. The interrupt is sent once
    /// the build says it is staging; should the build finish first, it must have succeeded.
    @Test(.timeLimit(.minutes(2))) func anInterruptedBuildSaysSoAndLeavesNothing() throws {
        let dir = try TemporaryDirectory("cli-interrupt")
        defer { dir.remove() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.pipette)
        process.arguments = ["build", "apps/static", "--stack", "tiny-amd64", "-o", dir.file("static.tgz").path]
        process.currentDirectoryURL = ProjectPaths.root
        let log = dir.file("build.log")
        try Data().write(to: log)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        while process.isRunning, !((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("==> Staging") {
            usleep(2_000)
        }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        try handle.close()
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(!output.contains("CancellationError"), "\(output)")
        if process.terminationStatus != 0 {
            #expect(output.contains("interrupted: the staging was stopped; its container and workspace are removed"), "\(output)")
        }
        let workspaces = try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())
            .filter { $0.hasPrefix("pipette-build-") }
        #expect(workspaces.isEmpty, "left: \(workspaces)")
    }

    /// `pipette build … | head -1`: the reader leaves early; the build still finishes, places the
    /// droplet and removes its workspace (SIGPIPE used to kill it mid-way, leaving the workspace).
    @Test(.timeLimit(.minutes(2))) func aBuildWhoseReaderLeavesFinishesAndLeavesNothing() throws {
        let dir = try TemporaryDirectory("cli-pipe")
        defer { dir.remove() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.pipette)
        let droplet = dir.file("static.tgz")
        process.arguments = ["build", "apps/static", "--stack", "tiny-amd64", "-o", droplet.path]
        process.currentDirectoryURL = ProjectPaths.root
        // Its own temporary folder: other tests' builds come and go in the shared one.
        let temporary = dir.file("tmp")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: false)
        process.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": temporary.path]) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try pipe.fileHandleForReading.close()
        try process.run()
        try pipe.fileHandleForWriting.close()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0,
                "ended by \(process.terminationReason == .uncaughtSignal ? "signal" : "exit") \(process.terminationStatus)")
        #expect(FileManager.default.fileExists(atPath: droplet.path))
        let left = try FileManager.default.contentsOfDirectory(atPath: temporary.path)
        #expect(left.isEmpty, "left: \(left)")
    }

    @Test func withoutRootItSaysSo() throws {
        let result = try shell("/usr/sbin/runuser", ["-u", "nobody", "--", Self.pipette, "build", "apps/static", "--stack", "tiny-amd64"],
                               cwd: ProjectPaths.root)
        #expect(result.status == 1)
        #expect(result.output.contains("containers need root (runc); run pipette as root"))
    }
}
