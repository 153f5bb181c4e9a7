import Foundation
import TestSupport
import Testing

/// One builder run's directories: app, buildpacks, cache and outputs.
struct Staging {
    enum Naming: String, CaseIterable, Sendable {
        case plain, xxhash, md5, nested
    }

    /// Reference hashes (python-xxhash, hashlib) of the fixture keys, so the
    /// lookup tests do not depend on the C code they test.
    static let xxh64 = [
        "silent-v2": "ddd58d27d0a3adf9", "supply-a": "ae7243623c496232", "supply-b": "c75dfa5c24caf0a4",
        "supply-launch": "e4d307ac2c216ccf", "finalizer": "df10920f04063d94", "named-v2": "18546a594db91ddb",
        "nested-buildpack": "ba8ed7547bcbcb08", "streamer": "46a595e1787bb2e3",
    ]
    static let md5 = [
        "silent-v2": "4d4c60b3393906e1dd3e770c42ab18e8", "supply-a": "966d63bb552f1bf5024b7c9e8d9a6759",
        "nested-buildpack": "70d137ae4ee01fbe39058ccdebf48460",
    ]

    let dir: TemporaryDirectory
    var app: URL { dir.file("app") }
    var buildpacks: URL { dir.file("buildpacks") }
    var cache: URL { dir.file("cache") }
    var droplet: URL { dir.file("output/droplet.tgz") }
    var resultFile: URL { dir.file("output/result.json") }
    var outputCache: URL { dir.file("output/output-cache.tgz") }
    var log: URL { dir.file("buildpack.log") }

    init() throws {
        dir = try TemporaryDirectory("lc-builder")
        try dir.write("app/app.sh", "#!/bin/sh\necho app\n", mode: 0o755)
        try dir.mkdir("buildpacks")
        try dir.mkdir("cache")
    }

    /// Copies a fixture buildpack into the buildpacks dir under the name CF would use.
    func install(_ fixture: String, key: String? = nil, naming: Naming = .plain) throws {
        let key = key ?? fixture
        let name: String
        switch naming {
        case .plain: name = key
        case .xxhash, .nested: name = try #require(Self.xxh64[key], "no reference xxh64 for \(key)")
        case .md5: name = try #require(Self.md5[key], "no reference md5 for \(key)")
        }
        var target = buildpacks.appendingPathComponent(name)
        if naming == .nested {
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            target.appendPathComponent("\(fixture)-v1.0")
        }
        try FileManager.default.copyItem(at: Lifecycle.fixtureBuildpacks.appendingPathComponent(fixture), to: target)
        for script in try FileManager.default.contentsOfDirectory(atPath: target.appendingPathComponent("bin").path) {
            try FileManager.default.setAttributes(
                [.posixPermissions: 0o755], ofItemAtPath: target.appendingPathComponent("bin/\(script)").path)
        }
    }

    func arguments(_ order: [String], skipDetect: Bool) -> [String] {
        // both Go flag spellings: -name=value and -name value
        ["-buildDir=\(app.path)", "-buildpacksDir", buildpacks.path, "-buildArtifactsCacheDir=\(cache.path)",
         "-outputDroplet", droplet.path, "-outputMetadata=\(resultFile.path)",
         "-outputBuildArtifactsCache", outputCache.path, "-buildpackOrder=\(order.joined(separator: ","))"]
            + (skipDetect ? ["-skipDetect"] : [])
    }

    func environment(_ extra: [String: String?] = [:]) -> [String: String] {
        var changes = extra
        changes["LIFECYCLE_TEST_LOG"] = log.path
        changes["TMPDIR"] = dir.path
        return LifecycleTests.environment(changes)
    }

    @discardableResult
    func build(_ order: [String], skipDetect: Bool = false, env: [String: String?] = [:],
               arch: String = "x86_64") throws -> RunResult {
        try run(try Lifecycle.binary("builder", arch: arch), arguments(order, skipDetect: skipDetect),
                environment: environment(env))
    }

    func result() throws -> [String: Any] { try jsonObject(try String(contentsOf: resultFile, encoding: .utf8)) }

    /// Lines the fixture buildpacks appended: "<buildpack> <phase> <args...>".
    func logLines() throws -> [String] {
        guard FileManager.default.fileExists(atPath: log.path) else { return [] }
        return try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    func remove() { dir.remove() }
}

private func buildpacksMetadata(_ result: [String: Any]) -> [[String: String]] {
    let meta = result["lifecycle_metadata"] as? [String: Any]
    return (meta?["buildpacks"] as? [[String: Any]] ?? []).map { $0.compactMapValues { $0 as? String } }
}

private func processes(_ result: [String: Any]) -> [[String: String]] {
    (result["processes"] as? [[String: Any]] ?? []).map { $0.compactMapValues { $0 as? String } }
}

@Suite("builder")
struct BuilderTests {
    @Test("detects run side by side, yet the first in order wins and the output is a one-at-a-time run's")
    func detectsSideBySide() throws {
        let s = try Staging()
        defer { s.remove() }
        let pids = s.dir.file("pids")
        func buildpack(_ name: String, detect: String) throws {
            try s.dir.write("buildpacks/\(name)/bin/detect", "#!/bin/sh\necho $$ >> \(pids.path)\n\(detect)\n", mode: 0o755)
            try s.dir.write("buildpacks/\(name)/bin/compile", "#!/bin/sh\necho \(name) compiled\n", mode: 0o755)
            try s.dir.write("buildpacks/\(name)/bin/release", "#!/bin/sh\necho 'default_process_types: {web: \(name)}'\n",
                            mode: 0o755)
        }
        try buildpack("fast-no", detect: "echo fast-no says no >&2; exit 1")
        try buildpack("slow-yes", detect: "sleep 0.5; echo Slow Yes; echo slow-yes says yes >&2")
        try buildpack("fast-yes", detect: "echo fast-yes says yes >&2; echo Fast Yes")
        try buildpack("hangs", detect: "sleep 600")
        let r = try s.build(["fast-no", "slow-yes", "fast-yes", "hangs"])
        #expect(r.status == 0, "\(r.stderr)")
        // the first in order wins, though a later one said yes sooner
        #expect(r.stdout.contains("slow-yes compiled") && !r.stdout.contains("fast-yes compiled"), "\(r.stdout)")
        let meta = try #require(try s.result()["lifecycle_metadata"] as? [String: Any])
        #expect(meta["detected_buildpack"] as? String == "Slow Yes")
        // stderr of the buildpacks a one-at-a-time run reaches, in order; nothing of the others
        #expect(r.stderr.contains("fast-no says no\nslow-yes says yes\n"), "\(r.stderr)")
        #expect(!r.stderr.contains("fast-yes says yes"), "\(r.stderr)")
        // they ran side by side: one at a time, fast-yes and hangs would not have started
        let started = try String(contentsOf: pids, encoding: .utf8).split(separator: "\n").compactMap { Int32($0) }
        #expect(started.count >= 3, "detects started: \(started.count)")
        // a detect still running after the decision is stopped, not left behind
        for pid in started {
            #expect(kill(pid, 0) != 0, "detect process \(pid) is still running")
        }
    }

    @Test("detect runs in order and the first buildpack whose detect exits 0 wins")
    func detectFirstWins() throws {
        let s = try Staging()
        defer { s.remove() }
        try s.install("never-detects")
        try s.install("named-v2")
        try s.install("silent-v2")
        let r = try s.build(["never-detects", "named-v2", "silent-v2"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("named-v2 compiling"))
        let app = s.app.path, final = s.cache.appendingPathComponent("final").path
        // Detects run side by side, so their lines may come in any order, and the detect of a
        // buildpack after the winner may have run (its result is not used); nothing else of it runs.
        let lines = try s.logLines()
        #expect(Set(lines.filter { $0.hasPrefix("never-detects detect") || $0.hasPrefix("named-v2 detect") })
            == ["never-detects detect \(app)", "named-v2 detect \(app)"])
        #expect(lines.filter { !$0.contains(" detect ") } == [
            "named-v2 compile \(app) \(final)",
            "named-v2 release \(app)",
        ])
        // detect's stdout names the buildpack; result.json has the shape Go's encoder gives it
        let expected = """
            {"lifecycle_metadata":{"buildpack_key":"named-v2","detected_buildpack":"Named V2",\
            "buildpacks":[{"key":"named-v2","name":"Named V2"}]},\
            "process_types":{"web":"named-v2 start --port $PORT","worker":"named-v2 worker"},\
            "processes":[{"type":"web","command":"named-v2 start --port $PORT"},\
            {"type":"worker","command":"named-v2 worker"}],\
            "execution_metadata":"","lifecycle_type":"buildpack"}

            """
        #expect(try String(contentsOf: s.resultFile, encoding: .utf8) == expected)
        #expect(try tarRead(s.droplet, "./staging_info.yml")
            == #"{"detected_buildpack":"Named V2","start_command":"named-v2 start --port $PORT"}"# + "\n")
        #expect(try tarRead(s.droplet, "./app/compiled") == "named-v2\n")
        #expect(try tarList(s.outputCache).contains("./final/compiled"))
    }

    @Test("a buildpack missing from -buildpacksDir is reported and skipped during detect")
    func detectSkipsMissing() throws {
        let s = try Staging()
        defer { s.remove() }
        try s.install("silent-v2")
        let r = try s.build(["not-installed", "silent-v2"])
        #expect(r.status == 0)
        #expect(r.stderr.contains("Failed to read buildpack directory '\(s.buildpacks.path)/"))
        #expect(r.stderr.contains("for buildpack 'not-installed'"))
        let result = try s.result()
        #expect(buildpacksMetadata(result) == [["key": "silent-v2", "name": ""]])
    }

    @Test("a v3 buildpack chosen by detect runs supply then finalize in deps/0")
    func detectedV3() throws {
        let s = try Staging()
        defer { s.remove() }
        try s.install("never-detects")
        try s.install("finalizer")
        let r = try s.build(["never-detects", "finalizer"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = try s.logLines()
        let phases = lines.map { $0.split(separator: " ").prefix(2).joined(separator: " ") }
        // the two detects run side by side (either may log first); then the winner's phases in order
        #expect(Set(phases.prefix(2)) == ["never-detects detect", "finalizer detect"])
        #expect(Array(phases.dropFirst(2)) == ["finalizer supply", "finalizer finalize", "finalizer release"])
        let supplyArgs = lines[2].split(separator: " ").map(String.init)
        #expect(supplyArgs.count == 6 && supplyArgs[5] == "0")
        #expect(supplyArgs[3] == s.cache.appendingPathComponent("final").path)
        let entries = try tarList(s.droplet)
        #expect(entries.contains("./profile.d/finalized.sh"))
        #expect(entries.contains("./deps/0/supplied"))
        #expect(entries.contains("./app/finalized"))
        let result = try s.result()
        #expect(buildpacksMetadata(result) == [["key": "finalizer", "name": "Finalizer", "version": "2.0"]])
        #expect((result["lifecycle_metadata"] as? [String: Any])?["detected_buildpack"] as? String == "Finalizer")
    }

    @Test("-skipDetect: all but the last supply into deps/<index>, the last supplies and finalizes")
    func skipDetectOrder() throws {
        let s = try Staging()
        defer { s.remove() }
        try s.install("supply-a")
        try s.install("supply-b")
        try s.install("finalizer")
        try s.install("never-detects")
        let r = try s.build(["supply-a", "supply-b", "finalizer"], skipDetect: true)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = try s.logLines()
        #expect(lines.count == 5)
        guard lines.count == 5 else { return }
        let deps = String(lines[0].split(separator: " ")[4])
        #expect(deps.hasSuffix("/deps"))
        let app = s.app.path, cache = s.cache.path
        #expect(lines == [
            "supply-a supply \(app) \(cache)/ae7243623c496232 \(deps) 0",
            "supply-b supply \(app) \(cache)/c75dfa5c24caf0a4 \(deps) 1",
            "finalizer supply \(app) \(cache)/final \(deps) 2",
            "finalizer finalize \(app) \(cache)/final \(deps) 2 \(deps.dropLast(4))profile.d",
            "finalizer release \(app)",
        ])
        #expect(try tarRead(s.droplet, "./deps/0/supplied") == "supply-a\n")
        #expect(try tarRead(s.droplet, "./deps/1/supplied") == "supply-b\n")
        #expect(try tarRead(s.droplet, "./deps/2/supplied") == "finalizer\n")
        #expect(try tarRead(s.droplet, "./deps/0/config.yml").contains("name: Supply A"))
        // finalize saw what the supply buildpacks left
        #expect(try tarRead(s.droplet, "./app/seen-deps") == "supply-a\nsupply-b\nfinalizer\n")
        let result = try s.result()
        #expect(buildpacksMetadata(result) == [
            ["key": "supply-a", "name": "Supply A", "version": "1.2.3"],
            ["key": "supply-b", "name": ""],
            ["key": "finalizer", "name": "Finalizer", "version": "2.0"],
        ])
        let meta = result["lifecycle_metadata"] as? [String: Any]
        #expect(meta?["buildpack_key"] as? String == "finalizer")
        #expect(meta?["detected_buildpack"] as? String == "Finalizer")
        // supply buildpacks' profile.d scripts join the droplet's profile.d
        let entries = try tarList(s.droplet)
        #expect(entries.contains("./profile.d/0_supply-a.sh"))
        #expect(entries.contains("./profile.d/finalized.sh"))
    }

    @Test("-skipDetect with a v2 last buildpack: compile without deps, plus CF's warning")
    func skipDetectV2Last() throws {
        let s = try Staging()
        defer { s.remove() }
        try s.install("supply-a")
        try s.install("v2-only")
        let r = try s.build(["supply-a", "v2-only"], skipDetect: true)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains(
            "Warning: the last buildpack is not compatible with multi-buildpack apps and cannot make use of any dependencies supplied by the buildpacks specified before it"))
        let entries = try tarList(s.droplet)
        #expect(entries.contains("./deps/0/supplied"))
        #expect(!entries.contains { $0.hasPrefix("./deps/1") })
        #expect(try tarRead(s.droplet, "./app/compiled") == "v2-only\n")
        #expect(try s.logLines().last == "v2-only compile \(s.app.path) \(s.cache.path)/final")
    }

    @Test("a Procfile overrides the release's web command and adds its own types")
    func procfileOverridesRelease() throws {
        let s = try Staging()
        defer { s.remove() }
        try s.install("named-v2")
        try s.dir.write("app/Procfile", "web: procfile-web --port $PORT\nclock: procfile-clock\n")
        let r = try s.build(["named-v2"])
        #expect(r.status == 0, "\(r.stderr)")
        let result = try s.result()
        #expect(result["process_types"] as? [String: String] == [
            "web": "procfile-web --port $PORT", "worker": "named-v2 worker", "clock": "procfile-clock",
        ])
        #expect(processes(result) == [
            ["type": "web", "command": "procfile-web --port $PORT"],
            ["type": "worker", "command": "named-v2 worker"],
            ["type": "clock", "command": "procfile-clock"],
        ])
        let info = try jsonObject(try tarRead(s.droplet, "./staging_info.yml"))
        #expect(info["start_command"] as? String == "procfile-web --port $PORT")
    }

    @Test("an unparsable Procfile fails like CF")
    func invalidProcfile() throws {
        let s = try Staging()
        defer { s.remove() }
        try s.install("named-v2")
        try s.dir.write("app/Procfile", "just some words\n")
        let r = try s.build(["named-v2"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("Failed to read command from Procfile: invalid YAML"))
    }

    @Test("no web process: CF's warning, empty process_types, processes and sidecars left out (omitempty)")
    func noStartCommand() throws {
        let s = try Staging()
        defer { s.remove() }
        try s.install("no-web")
        let r = try s.build(["no-web"])
        #expect(r.status == 0)
        #expect(r.stderr.contains("No start command specified by buildpack or via Procfile.\nApp will not start unless a command is provided at runtime."))
        let text = try String(contentsOf: s.resultFile, encoding: .utf8)
        #expect(text.contains(#""process_types":{},"execution_metadata":"""#))
        #expect(!text.contains("\"processes\"") && !text.contains("\"sidecars\""))
    }

    @Test("launch.yml from a supply buildpack adds processes and sidecars")
    func launchYml() throws {
        let s = try Staging()
        defer { s.remove() }
        try s.install("supply-launch")
        try s.install("finalizer")
        let r = try s.build(["supply-launch", "finalizer"], skipDetect: true)
        #expect(r.status == 0, "\(r.stderr)")
        let result = try s.result()
        #expect(processes(result) == [
            ["type": "worker", "command": "launch-worker"], ["type": "web", "command": "finalizer start"],
        ])
        let sidecars = result["sidecars"] as? [[String: Any]]
        #expect(sidecars?.count == 1)
        #expect(sidecars?.first?["name"] as? String == "metrics")
        #expect(sidecars?.first?["process_types"] as? [String] == ["web"])
        #expect(sidecars?.first?["command"] as? String == "./metrics-agent")
    }

    @Test("buildpacks are found by plain name, xxhash64, legacy md5, and one level nested",
          arguments: Staging.Naming.allCases)
    func lookup(naming: Staging.Naming) throws {
        let s = try Staging()
        defer { s.remove() }
        try s.install("silent-v2", naming: naming)
        let r = try s.build(["silent-v2"])
        #expect(r.status == 0, "\(naming): \(r.stderr)")
        #expect(try tarRead(s.droplet, "./app/compiled") == "silent-v2\n")
        #expect(try s.logLines().first == "silent-v2 detect \(s.app.path)")
    }

    @Test("CF's nested-buildpack case: md5 70d137ae… holding one buildpack folder")
    func nestedLegacy() throws {
        let s = try Staging()
        defer { s.remove() }
        let outer = s.buildpacks.appendingPathComponent("70d137ae4ee01fbe39058ccdebf48460")
        try FileManager.default.createDirectory(at: outer, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Lifecycle.fixtureBuildpacks.appendingPathComponent("silent-v2"),
                                         to: outer.appendingPathComponent("always-detects"))
        let r = try s.build(["nested-buildpack"])
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test("a directory without bin/ and more than one entry is a malformed buildpack")
    func malformed() throws {
        let s = try Staging()
        defer { s.remove() }
        try s.dir.write("buildpacks/broken/README", "x")
        try s.dir.write("buildpacks/broken/other/bin/detect", "#!/bin/sh\n", mode: 0o755)
        try s.install("v2-only")
        let r = try s.build(["broken", "v2-only"], skipDetect: true)
        #expect(r.status == 225)
        #expect(r.stderr.contains("malformed buildpack does not contain a /bin dir: broken"))
    }

    @Test("failures exit with CF's codes and messages", arguments: [
        (["never-detects"], false, Int32(222), "None of the buildpacks detected a compatible application"),
        (["fails-compile"], false, Int32(223), "Failed to compile droplet: Failed to compile droplet: exit status 3"),
        (["fails-release"], false, Int32(224), "Failed to build droplet release: exit status 5"),
        (["bad-release-yaml"], false, Int32(224), "Failed to build droplet release: buildpack's release output invalid"),
        (["fails-supply", "finalizer"], true, Int32(225), "Failed to run all supply scripts: exit status 1"),
        (["v2-only", "finalizer"], true, Int32(225),
         "Error: one of the buildpacks chosen to supply dependencies does not support multi-buildpack apps"),
        (["not-installed", "finalizer"], true, Int32(225), "Failed to run all supply scripts: Failed to read buildpack directory"),
    ])
    func failures(order: [String], skipDetect: Bool, code: Int32, message: String) throws {
        let s = try Staging()
        defer { s.remove() }
        for fixture in ["never-detects", "fails-compile", "fails-release", "bad-release-yaml", "fails-supply",
                        "v2-only", "finalizer"] {
            try s.install(fixture)
        }
        let r = try s.build(order, skipDetect: skipDetect)
        #expect(r.status == code, "\(order): \(r.stderr)")
        #expect(r.stderr.contains(message), "\(order): \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.droplet.path))
    }

    @Test("the failing buildpack's own output reaches the builder's stdout and stderr")
    func failingOutputPassesThrough() throws {
        let s = try Staging()
        defer { s.remove() }
        try s.install("fails-compile")
        let r = try s.build(["fails-compile"])
        #expect(r.stdout.contains("fails-compile: about to fail"))
        #expect(r.stderr.contains("fails-compile: something broke\nFailed to compile droplet"))
    }

    @Test("droplet: app/ deps/ profile.d/ tmp/ logs/ staging_info.yml, app files and modes kept")
    func dropletLayout() throws {
        let s = try Staging()
        defer { s.remove() }
        try s.install("silent-v2")
        try s.dir.write("app/.profile.d/app.sh", "export FROM_APP=1\n")
        try s.dir.write("app/lib/deep/file.txt", "deep\n")
        let r = try s.build(["silent-v2"])
        #expect(r.status == 0, "\(r.stderr)")
        let entries = try tarList(s.droplet)
        for entry in ["./app/", "./deps/", "./profile.d/", "./tmp/", "./logs/", "./staging_info.yml",
                      "./app/app.sh", "./app/compiled", "./app/.profile.d/app.sh", "./app/lib/deep/file.txt"] {
            #expect(entries.contains(entry), "missing \(entry) in \(entries)")
        }
        #expect(!entries.contains { $0.hasPrefix("./tmp/") && $0 != "./tmp/" })
        #expect(!entries.contains { $0.hasPrefix("./logs/") && $0 != "./logs/" })
        let listing = try run("/usr/bin/env", ["tar", "-tvzf", s.droplet.path]).stdout
        #expect(listing.split(separator: "\n").contains { $0.hasPrefix("-rwxr-xr-x") && $0.hasSuffix("./app/app.sh") })
        // the builder's scratch contents dir is gone afterwards
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: s.dir.path).filter { $0.hasPrefix("contents") }
        #expect(leftovers.isEmpty)
    }

    @Test("build artifacts cache: final/ plus supply caches named by xxhash64; stale dirs removed")
    func artifactsCache() throws {
        let s = try Staging()
        defer { s.remove() }
        try s.install("supply-a")
        try s.install("supply-b")
        try s.install("finalizer")
        try s.dir.write("cache/ae7243623c496232/kept", "from last time\n")
        try s.dir.write("cache/final/old-final", "old\n")
        try s.dir.write("cache/966d63bb552f1bf5024b7c9e8d9a6759/legacy", "md5-named\n")
        try s.dir.write("cache/pre-multi-file", "old\n")
        let r = try s.build(["supply-a", "supply-b", "finalizer"], skipDetect: true)
        #expect(r.status == 0, "\(r.stderr)")
        let entries = Set(try tarList(s.outputCache))
        for entry in ["./ae7243623c496232/supplied", "./ae7243623c496232/kept", "./c75dfa5c24caf0a4/supplied",
                      "./final/supplied", "./final/finalized", "./final/old-final"] {
            #expect(entries.contains(entry), "missing \(entry) in \(entries.sorted())")
        }
        #expect(!entries.contains { $0.contains("966d63bb552f1bf5024b7c9e8d9a6759") })
        #expect(!entries.contains("./pre-multi-file"))
    }

    @Test("buildpack output streams while the buildpack is still running")
    func streaming() throws {
        let s = try Staging()
        defer { s.remove() }
        try s.install("streamer")
        let gate = s.dir.file("gate")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Lifecycle.binary("builder"))
        process.arguments = s.arguments(["streamer"], skipDetect: false)
        process.environment = s.environment(["STREAM_GATE": gate.path])
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        let output = OutputCollector(pipe)
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        // the buildpack cannot finish before the gate exists, so seeing its
        // first line now proves nothing waited for it to exit
        let sawFirstLine = output.wait(for: "streamer: first line", seconds: 60)
        #expect(sawFirstLine)
        #expect(process.isRunning)
        #expect(!output.text.contains("streamer: gate opened"))
        try Data().write(to: gate)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(output.wait(for: "streamer: gate opened", seconds: 10))
    }

    @Test("buildpacks see CF_STACK, VCAP_SERVICES and a DATABASE_URL derived from it")
    func environmentForBuildpacks() throws {
        let s = try Staging()
        defer { s.remove() }
        try s.install("env-dump")
        let services = #"{"other":[{"credentials":{"uri":"redis://cache:6379"}}],"#
            + #""db":[{"name":"pg","credentials":{"uri":"postgresql://u:p@db.example:5432/app"}}]}"#
        let r = try s.build(["env-dump"], env: [
            "CF_STACK": "cflinuxfs4", "VCAP_SERVICES": services, "DATABASE_URL": "stale",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let env = try tarRead(s.droplet, "./app/env.txt")
        #expect(env.contains("CF_STACK=cflinuxfs4\n"))
        #expect(env.contains("VCAP_SERVICES=\(services)\n"))
        #expect(env.contains("DATABASE_URL=postgres://u:p@db.example:5432/app\n"))
        #expect(env.contains("ARGS=\(s.app.path) \(s.cache.path)/final\n"))
    }

    @Test("DATABASE_URL: mysql becomes mysql2, unknown schemes are ignored", arguments: [
        (#"{"s":[{"credentials":{"uri":"mysql://u@h/db"}}]}"#, "mysql2://u@h/db"),
        (#"{"s":[{"credentials":{"uri":"mysql2://u@h/db"}}]}"#, "mysql2://u@h/db"),
        (#"{"s":[{"credentials":{"uri":"postgres://h/db"}}]}"#, "postgres://h/db"),
        (#"{"s":[{"credentials":{"uri":"datastore://h/db"}}]}"#, ""),
        (#"{"s":[{}]}"#, ""),
        ("not json", ""),
    ])
    func databaseURL(services: String, expected: String) throws {
        let s = try Staging()
        defer { s.remove() }
        try s.install("env-dump")
        let r = try s.build(["env-dump"], env: ["VCAP_SERVICES": services])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try tarRead(s.droplet, "./app/env.txt").contains("DATABASE_URL=\(expected)\n"))
    }

    @Test("relative paths in flags are taken from the working directory")
    func relativePaths() throws {
        let s = try Staging()
        defer { s.remove() }
        try s.install("silent-v2")
        let r = try run(try Lifecycle.binary("builder"), [
            "-buildDir", "app", "-buildpacksDir=buildpacks", "-buildArtifactsCacheDir", "cache",
            "-outputDroplet=out/d.tgz", "-outputMetadata", "out/r.json", "-outputBuildArtifactsCache=out/c.tgz",
            "-buildpackOrder", "silent-v2", "-skipDetect=false",
        ], cwd: s.dir.url, environment: s.environment())
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try tarList(s.dir.file("out/d.tgz")).contains("./app/compiled"))
        #expect(try s.logLines().first == "silent-v2 detect \(s.app.path)")
    }

    @Test("flag errors: missing -buildpackOrder exits 1, unknown flags exit 2 with usage")
    func flagErrors() throws {
        let builder = try Lifecycle.binary("builder")
        let missing = try run(builder, ["-buildDir=/nonexistent"], environment: environment())
        #expect(missing.status == 1)
        #expect(missing.stderr == "missing flag: -buildpackOrder\n")
        let unknown = try run(builder, ["-bogus"], environment: environment())
        #expect(unknown.status == 2)
        #expect(unknown.stderr.hasPrefix("flag provided but not defined: -bogus\nUsage of builder:\n"))
        #expect(unknown.stderr.contains("  -skipDetect\n    \tskip buildpack detect\n"))
        #expect(unknown.stderr.contains(#"(default "/tmp/buildpacks")"#))
    }

    @Test("aarch64 builder: an ARM ELF binary that stages a droplet (through qemu binfmt)")
    func aarch64() throws {
        let path = try Lifecycle.binary("builder", arch: "aarch64")
        let header = try #require(FileHandle(forReadingAtPath: path)).readData(ofLength: 20)
        #expect(header.prefix(4) == Data([0x7F, 0x45, 0x4C, 0x46]))
        #expect(Array(header[18...19]) == [0xB7, 0x00], "e_machine must be EM_AARCH64")
        let s = try Staging()
        defer { s.remove() }
        try s.install("named-v2")
        let r = try s.build(["named-v2"], arch: "aarch64")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("named-v2 compiling"))
        let info = try jsonObject(try tarRead(s.droplet, "./staging_info.yml"))
        #expect(info["detected_buildpack"] as? String == "Named V2")
    }
}
