import Foundation
import TestSupport
import Testing

// Ports of Cloud Foundry's builder suite (buildpackapplifecycle builder/builder_test.go,
// with builder_unix_test.go's fixtures), run against the built builder of each
// architecture. Each test's name is the Ginkgo path of the `It` it mirrors.
// The fixture buildpacks and apps in Fixtures/cf behave like CF's.

private func withBuilder(_ arch: String, _ body: (CFBuilder) throws -> Void) throws {
    let b = try CFBuilder(arch: arch)
    defer { b.remove() }
    try body(b)
}

/// result.json for one detected/only buildpack with the given processes.
private func result(_ processTypes: String, _ processes: String, detected: String, key: String,
                    name: String? = nil) -> String {
    """
    {"process_types":\(processTypes),"lifecycle_type":"buildpack",
     "lifecycle_metadata":{"detected_buildpack":"\(detected)","buildpack_key":"\(key)",
       "buildpacks":[{"key":"\(key)","name":"\(name ?? detected)"}]},
     "processes":\(processes),"execution_metadata":""}
    """
}

private let noStartCommand = "No start command specified by buildpack or via Procfile.\n"
    + "App will not start unless a command is provided at runtime.\n"

@Suite("CF builder_test.go")
struct CFBuilderTests {
    // MARK: interpolation of credhub-ref in VCAP_SERVICES (the cases that need no CredHub server)

    private func credhubContext(_ b: CFBuilder, platformOptions: String) throws -> RunResult {
        b.buildpackOrder = "always-detects"
        try b.cpBuildpack("always-detects")
        b.setEnv("VCAP_SERVICES", #"{"my-server":[{"credentials":{"credhub-ref":"(//my-server/creds)"}}]}"#)
        b.setEnv("VCAP_PLATFORM_OPTIONS", platformOptions)
        return try b.run()
    }

    @Test("credhub-ref in VCAP_SERVICES / when an empty string is passed for the launcher platform options / does not attempt to do any credhub interpolation",
          arguments: CF.arches)
    func credhubEmptyString(arch: String) throws {
        try withBuilder(arch) { b in
            let r = try credhubContext(b, platformOptions: "")
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains(#"VCAP_SERVICES={"my-server":[{"credentials":{"credhub-ref":"(//my-server/creds)"}}]}"#))
        }
    }

    @Test("credhub-ref in VCAP_SERVICES / when an empty JSON is passed for the launcher platform options / does not attempt to do any credhub interpolation",
          arguments: CF.arches)
    func credhubEmptyJSON(arch: String) throws {
        try withBuilder(arch) { b in
            let r = try credhubContext(b, platformOptions: "{}")
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains(#"VCAP_SERVICES={"my-server":[{"credentials":{"credhub-ref":"(//my-server/creds)"}}]}"#))
        }
    }

    @Test("credhub-ref in VCAP_SERVICES / when invalid JSON is passed for the launcher platform options / prints an error message",
          arguments: CF.arches)
    func credhubInvalidJSON(arch: String) throws {
        try withBuilder(arch) { b in
            let r = try credhubContext(b, platformOptions: #"{"credhub-uri":"missing quote and brace"#)
            #expect(r.status == 3)
            #expect(r.stderr.contains("Invalid platform options"))
        }
    }

    // MARK: setting DATABASE_URL env variable

    private func databaseContext(_ b: CFBuilder, uri: String) throws {
        b.buildpackOrder = "always-detects"
        try b.cpBuildpack("always-detects")
        b.setEnv("VCAP_SERVICES", #"{"my-server":[{"credentials":{"uri":"\#(uri)"}}]}"#)
    }

    @Test("setting DATABASE_URL / VCAP_SERVICES does not have an appropriate credential / DATABASE_URL is not set",
          arguments: CF.arches)
    func databaseURLNotSet(arch: String) throws {
        try withBuilder(arch) { b in
            try databaseContext(b, uri: "datastore://thing.com/special")
            let r = try b.runSuccessfully()
            #expect(!r.stdout.contains("DATABASE_URL="))
        }
    }

    @Test("setting DATABASE_URL / VCAP_SERVICES is NOT encrypted / sets DATABASE_URL", arguments: CF.arches)
    func databaseURLSet(arch: String) throws {
        try withBuilder(arch) { b in
            try databaseContext(b, uri: "postgres://thing.com/special")
            let r = try b.runSuccessfully()
            #expect(r.stdout.contains("DATABASE_URL=postgres://thing.com/special"))
        }
    }

    @Test("setting DATABASE_URL / DATABASE_URL was set before running builder / overrides DATABASE_URL",
          arguments: CF.arches)
    func databaseURLOverrides(arch: String) throws {
        try withBuilder(arch) { b in
            try databaseContext(b, uri: "postgres://thing.com/special")
            b.setEnv("DATABASE_URL", "original text")
            let r = try b.runSuccessfully()
            #expect(r.stdout.contains("DATABASE_URL=postgres://thing.com/special"))
            #expect(!r.stdout.contains("DATABASE_URL=original"))
        }
    }

    // MARK: run detect

    /// run detect's BeforeEach: always-detects,also-always-detects and the bash app.
    private func runDetect(_ b: CFBuilder, order: String = "always-detects,also-always-detects",
                           _ extra: (CFBuilder) throws -> Void = { _ in }) throws -> RunResult {
        b.buildpackOrder = "always-detects,also-always-detects"
        try b.cpBuildpack("always-detects")
        try b.cpBuildpack("also-always-detects")
        try b.cpApp("bash-app", "app.sh")
        b.buildpackOrder = order
        try extra(b)
        return try b.runSuccessfully()
    }

    private func detectNotExecutable(_ b: CFBuilder) throws {
        let detect = b.buildpacksDir.appendingPathComponent("\(try CF.xxh64("always-detects"))/bin/detect")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: detect.path)
    }

    @Test("run detect / first buildpack detect is not executable / should warn that detect is not executable",
          arguments: CF.arches)
    func detectNotExecutableWarns(arch: String) throws {
        try withBuilder(arch) { b in
            let r = try runDetect(b, detectNotExecutable)
            #expect(r.stdout.contains("WARNING: buildpack script '/bin/detect' is not executable"))
        }
    }

    @Test("run detect / first buildpack detect is not executable / should have chosen the second buildpack detect",
          arguments: CF.arches)
    func detectNotExecutableChoosesSecond(arch: String) throws {
        try withBuilder(arch) { b in
            _ = try runDetect(b, detectNotExecutable)
            let result = try JSONValue.parse(try b.resultJSON())
            #expect(result["lifecycle_metadata"]?["buildpack_key"] == .string("also-always-detects"))
        }
    }

    @Test("run detect / the contents of the output tgz / should contain an /app dir with the contents of the compilation",
          arguments: CF.arches)
    func detectAppDir(arch: String) throws {
        try withBuilder(arch) { b in
            _ = try runDetect(b)
            let files = try b.dropletFiles()
            #expect(files.contains("./app/"))
            #expect(files.contains("./app/app.sh"))
            #expect(files.contains("./app/compiled"))
        }
    }

    @Test("run detect / the contents of the output tgz / should contain an empty /tmp directory", arguments: CF.arches)
    func detectEmptyTmp(arch: String) throws {
        try withBuilder(arch) { b in
            _ = try runDetect(b)
            let files = try b.dropletFiles()
            #expect(files.contains("./tmp/"))
            #expect(!files.contains { $0.hasPrefix("./tmp/") && $0.count > "./tmp/".count })
        }
    }

    @Test("run detect / the contents of the output tgz / should contain an empty /logs directory", arguments: CF.arches)
    func detectEmptyLogs(arch: String) throws {
        try withBuilder(arch) { b in
            _ = try runDetect(b)
            let files = try b.dropletFiles()
            #expect(files.contains("./logs/"))
            #expect(!files.contains { $0.hasPrefix("./logs/") && $0.count > "./logs/".count })
        }
    }

    @Test("run detect / the contents of the output tgz / should contain a staging_info.yml with the detected buildpack",
          arguments: CF.arches)
    func detectStagingInfo(arch: String) throws {
        try withBuilder(arch) { b in
            _ = try runDetect(b)
            expectMatchJSON(try b.member("./staging_info.yml"),
                            #"{"detected_buildpack":"Always Matching","start_command":"the start command"}"#)
        }
    }

    @Test("run detect / the contents of the output tgz / buildpack with supply/finalize / runs supply/finalize and not compile",
          arguments: CF.arches)
    func detectSupplyFinalize(arch: String) throws {
        try withBuilder(arch) { b in
            _ = try runDetect(b, order: "has-finalize,always-detects,also-always-detects") { try $0.cpBuildpack("has-finalize") }
            let files = try b.dropletFiles()
            #expect(files.contains("./app/finalized"))
            #expect(!files.contains("./app/compiled"))
        }
    }

    @Test("run detect / the contents of the output tgz / buildpack with supply/finalize / places profile.d scripts in ./profile.d (not app)",
          arguments: CF.arches)
    func detectProfileD(arch: String) throws {
        try withBuilder(arch) { b in
            _ = try runDetect(b, order: "has-finalize,always-detects,also-always-detects") { try $0.cpBuildpack("has-finalize") }
            #expect(try b.dropletFiles().contains("./profile.d/finalized.sh"))
        }
    }

    @Test("run detect / the build artifacts cache output tgz / gets created", arguments: CF.arches)
    func detectCacheCreated(arch: String) throws {
        try withBuilder(arch) { b in
            _ = try runDetect(b, order: "always-detects-creates-build-artifacts") {
                try $0.cpBuildpack("always-detects-creates-build-artifacts")
            }
            #expect(try b.cacheFiles().contains("./final/build-artifact"))
        }
    }

    @Test("run detect / the result.json / exists, and contains the detected buildpack", arguments: CF.arches)
    func detectResultJSON(arch: String) throws {
        try withBuilder(arch) { b in
            _ = try runDetect(b)
            expectMatchJSON(try b.resultJSON(), result(#"{"web":"the start command"}"#,
                                                       #"[{"type":"web","command":"the start command"}]"#,
                                                       detected: "Always Matching", key: "always-detects"))
        }
    }

    @Test("run detect / the result.json / when the app has a Procfile / uses the Procfile processes in the execution metadata",
          arguments: CF.arches)
    func detectResultJSONProcfile(arch: String) throws {
        try withBuilder(arch) { b in
            _ = try runDetect(b) { try $0.cpApp("with-procfile-with-web", "Procfile") }
            expectMatchJSON(try b.resultJSON(), result(#"{"web":"procfile-provided start-command"}"#,
                                                       #"[{"type":"web","command":"procfile-provided start-command"}]"#,
                                                       detected: "Always Matching", key: "always-detects"))
        }
    }

    @Test("run detect / the result.json / when the app does not have a Procfile / uses the default_process_types specified by the buildpack",
          arguments: CF.arches)
    func detectResultJSONNoProcfile(arch: String) throws {
        try withBuilder(arch) { b in
            _ = try runDetect(b)
            expectMatchJSON(try b.resultJSON(), result(#"{"web":"the start command"}"#,
                                                       #"[{"type":"web","command":"the start command"}]"#,
                                                       detected: "Always Matching", key: "always-detects"))
        }
    }

    // MARK: skip detect

    private func skipDetect(_ b: CFBuilder, _ order: [String]) throws -> RunResult {
        b.skipDetect = true
        b.buildpackOrder = order.joined(separator: ",")
        for bp in order { try b.cpBuildpack(bp) }
        try b.cpApp("bash-app", "app.sh")
        return try b.runSuccessfully()
    }

    private let noFinalize = ["always-detects-creates-build-artifacts", "always-detects", "also-always-detects"]
    private let withFinalize = ["always-detects-creates-build-artifacts", "always-detects", "has-finalize"]
    private let finalizeOnly = ["always-detects-creates-build-artifacts", "always-detects", "has-finalize-no-supply"]

    @Test("skip detect / the result.json / exists, and contains the final buildpack key", arguments: CF.arches)
    func skipDetectResultJSON(arch: String) throws {
        try withBuilder(arch) { b in
            _ = try skipDetect(b, ["always-detects"])
            expectMatchJSON(try b.resultJSON(), result(#"{"web":"the start command"}"#,
                                                       #"[{"type":"web","command":"the start command"}]"#,
                                                       detected: "", key: "always-detects"))
        }
    }

    @Test("skip detect / final buildpack does not contain a finalize script / contains an /deps/xxxxx dir with the contents of the supply commands",
          arguments: CF.arches)
    func noFinalizeDeps(arch: String) throws {
        try withBuilder(arch) { b in
            _ = try skipDetect(b, noFinalize)
            #expect(try b.member("./deps/0/supplied") == "always-detects-creates-buildpack-artifacts")
            #expect(try b.member("./deps/1/supplied") == "always-detects-buildpack")
            #expect(!(try b.dropletFiles()).contains("./deps/2/supplied"))
        }
    }

    @Test("skip detect / final buildpack does not contain a finalize script / contains an /app dir with the contents of the compilation",
          arguments: CF.arches)
    func noFinalizeApp(arch: String) throws {
        try withBuilder(arch) { b in
            _ = try skipDetect(b, noFinalize)
            let files = try b.dropletFiles()
            #expect(files.contains("./app/"))
            #expect(files.contains("./app/app.sh"))
            #expect(files.contains("./app/compiled"))
            #expect(try b.member("./app/compiled") == "also-always-detects-buildpack")
        }
    }

    @Test("skip detect / final buildpack does not contain a finalize script / the /deps dir is not passed to the final compile command",
          arguments: CF.arches)
    func noFinalizeNoDepsForCompile(arch: String) throws {
        try withBuilder(arch) { b in
            _ = try skipDetect(b, noFinalize)
            #expect(!(try b.dropletFiles()).contains("./deps/compiled"))
        }
    }

    @Test("skip detect / final buildpack contains finalize + supply scripts / contains an /deps/xxxxx dir with the contents of the supply commands",
          arguments: CF.arches)
    func withFinalizeDeps(arch: String) throws {
        try withBuilder(arch) { b in
            _ = try skipDetect(b, withFinalize)
            #expect(try b.member("./deps/0/supplied") == "always-detects-creates-buildpack-artifacts")
            #expect(try b.member("./deps/1/supplied") == "always-detects-buildpack")
            #expect(try b.member("./deps/2/supplied") == "has-finalize-buildpack")
        }
    }

    @Test("skip detect / final buildpack contains finalize + supply scripts / contains an /app dir with the contents of the compilation",
          arguments: CF.arches)
    func withFinalizeApp(arch: String) throws {
        try withBuilder(arch) { b in
            _ = try skipDetect(b, withFinalize)
            let files = try b.dropletFiles()
            #expect(files.contains("./app/"))
            #expect(files.contains("./app/app.sh"))
            #expect(files.contains("./app/finalized"))
            #expect(try b.member("./app/finalized") == "has-finalize-buildpack")
        }
    }

    @Test("skip detect / final buildpack contains finalize + supply scripts / writes metadata on all buildpacks",
          arguments: CF.arches)
    func withFinalizeMetadata(arch: String) throws {
        try withBuilder(arch) { b in
            _ = try skipDetect(b, withFinalize)
            let buildpacks = try JSONValue.parse(try b.resultJSON())["lifecycle_metadata"]?["buildpacks"]
            #expect(buildpacks == (try JSONValue.parse("""
                [{"key":"always-detects-creates-build-artifacts","name":"Creates Buildpack Artifacts","version":"9.1.3"},
                 {"key":"always-detects","name":""},
                 {"key":"has-finalize","name":"Finalize"}]
                """)))
        }
    }

    @Test("skip detect / final buildpack contains finalize + supply scripts / a supply outputs a config.yml with a `config:` present / includes the `config:` stanza in the staging_info.yml",
          arguments: CF.arches)
    func buildpackConfigStanza(arch: String) throws {
        try withBuilder(arch) { b in
            _ = try skipDetect(b, ["has-buildpack-config"])
            expectMatchJSON(try b.member("./staging_info.yml"), """
                {"detected_buildpack":"Has Buildpack Config","start_command":"the start command",
                 "config":{"entrypoint_prefix":"custom-entrypoint"}}
                """)
        }
    }

    @Test("skip detect / final buildpack only contains finalize / contains an /deps/xxxxx dir with the contents of the supply commands",
          arguments: CF.arches)
    func finalizeOnlyDeps(arch: String) throws {
        try withBuilder(arch) { b in
            _ = try skipDetect(b, finalizeOnly)
            #expect(try b.member("./deps/0/supplied") == "always-detects-creates-buildpack-artifacts")
            #expect(try b.member("./deps/1/supplied") == "always-detects-buildpack")
            #expect(!(try b.dropletFiles()).contains("./deps/2/supplied"))
        }
    }

    @Test("skip detect / final buildpack only contains finalize / contains an /app dir with the contents of the compilation",
          arguments: CF.arches)
    func finalizeOnlyApp(arch: String) throws {
        try withBuilder(arch) { b in
            _ = try skipDetect(b, finalizeOnly)
            let files = try b.dropletFiles()
            #expect(files.contains("./app/"))
            #expect(files.contains("./app/app.sh"))
            #expect(files.contains("./app/finalized"))
            #expect(try b.member("./app/finalized") == "has-finalize-no-supply-buildpack")
        }
    }

    @Test("skip detect / buildpack that fails detect / should run successfully", arguments: CF.arches)
    func skipDetectIgnoresDetect(arch: String) throws {
        try withBuilder(arch) { b in
            _ = try skipDetect(b, ["always-fails-detect"])
            #expect(try b.dropletFiles().contains("./app/compiled"))
        }
    }

    // MARK: skip detect / the contents of the cache tgz

    @Test("skip detect / cache tgz / final buildpack does not contain finalize / the final buildpack caches compile output in $CACHE_DIR/final",
          arguments: CF.arches)
    func cacheFinalCompile(arch: String) throws {
        try withBuilder(arch) { b in
            _ = try skipDetect(b, noFinalize)
            #expect(try b.cacheFiles().contains("./final/compiled"))
            #expect(try b.member("./final/compiled", of: b.outputBuildArtifactsCache) == "also-always-detects-buildpack")
        }
    }

    private func expectSupplyCaches(_ b: CFBuilder) throws {
        let files = try b.cacheFiles()
        let artifacts = try CF.xxh64("always-detects-creates-build-artifacts"), always = try CF.xxh64("always-detects")
        #expect(files.contains("./\(artifacts)/supplied"))
        #expect(files.contains("./\(always)/supplied"))
        #expect(try b.member("./\(always)/supplied", of: b.outputBuildArtifactsCache) == "always-detects-buildpack")
    }

    @Test("skip detect / cache tgz / final buildpack does not contain finalize / the supply buildpacks caches supply output as $CACHE_DIR/<xxhash64 of buildpack URL>",
          arguments: CF.arches)
    func cacheSupplyNoFinalize(arch: String) throws {
        try withBuilder(arch) { b in
            _ = try skipDetect(b, noFinalize)
            try expectSupplyCaches(b)
        }
    }

    @Test("skip detect / cache tgz / final buildpack contains finalize / the final buildpack caches finalize output in $CACHE_DIR/final",
          arguments: CF.arches)
    func cacheFinalFinalize(arch: String) throws {
        try withBuilder(arch) { b in
            _ = try skipDetect(b, withFinalize)
            #expect(try b.cacheFiles().contains("./final/finalized"))
            #expect(try b.member("./final/finalized", of: b.outputBuildArtifactsCache) == "has-finalize-buildpack")
        }
    }

    @Test("skip detect / cache tgz / final buildpack contains finalize / the final buildpack caches supply output in $CACHE_DIR/final",
          arguments: CF.arches)
    func cacheFinalSupply(arch: String) throws {
        try withBuilder(arch) { b in
            _ = try skipDetect(b, withFinalize)
            #expect(try b.cacheFiles().contains("./final/supplied"))
            #expect(try b.member("./final/supplied", of: b.outputBuildArtifactsCache) == "has-finalize-buildpack")
        }
    }

    @Test("skip detect / cache tgz / final buildpack contains finalize / the supply buildpacks caches supply output as $CACHE_DIR/<xxhash64 of buildpack URL>",
          arguments: CF.arches)
    func cacheSupplyWithFinalize(arch: String) throws {
        try withBuilder(arch) { b in
            _ = try skipDetect(b, withFinalize)
            try expectSupplyCaches(b)
        }
    }

    /// "the buildArtifactsCacheDir contains relevant and old buildpack cache directories"
    private func oldCaches(_ b: CFBuilder) throws -> (cachedSupply: String, cachedCompile: String, stale: String) {
        let cachedSupply = String(UInt64.random(in: 1...UInt64.max)), cachedCompile = String(UInt64.random(in: 1...UInt64.max))
        let cache = b.buildArtifactsCacheDir, fm = FileManager.default
        let always = cache.appendingPathComponent(try CF.xxh64("always-detects"))
        let stale = try CF.xxh64("not-in-buildpack-order")
        try fm.createDirectory(at: always, withIntermediateDirectories: true)
        try Data(cachedSupply.utf8).write(to: always.appendingPathComponent("old-supply"))
        try fm.createDirectory(at: cache.appendingPathComponent(stale), withIntermediateDirectories: true)
        try fm.createDirectory(at: cache.appendingPathComponent("final"), withIntermediateDirectories: true)
        try Data(cachedCompile.utf8).write(to: cache.appendingPathComponent("final/old-compile"))
        try Data("Some Content".utf8).write(to: cache.appendingPathComponent("pre-multi-file"))
        _ = try skipDetect(b, noFinalize)
        return (cachedSupply, cachedCompile, stale)
    }

    @Test("skip detect / cache tgz / the buildArtifactsCacheDir contains relevant and old buildpack cache directories / does not remove the cached contents of $CACHE_DIR/final",
          arguments: CF.arches)
    func oldCacheFinalKept(arch: String) throws {
        try withBuilder(arch) { b in
            let old = try oldCaches(b)
            #expect(try b.cacheFiles().contains("./final/compiled"))
            #expect(try b.member("./final/compiled", of: b.outputBuildArtifactsCache) == old.cachedCompile)
        }
    }

    @Test("skip detect / cache tgz / the buildArtifactsCacheDir contains relevant and old buildpack cache directories / does not remove the cached contents of buildpacks in buildpack order",
          arguments: CF.arches)
    func oldCacheSupplyKept(arch: String) throws {
        try withBuilder(arch) { b in
            let old = try oldCaches(b)
            let always = try CF.xxh64("always-detects")
            #expect(try b.cacheFiles().contains("./\(always)/supplied"))
            #expect(try b.member("./\(always)/supplied", of: b.outputBuildArtifactsCache) == old.cachedSupply)
        }
    }

    @Test("skip detect / cache tgz / the buildArtifactsCacheDir contains relevant and old buildpack cache directories / removes the cached contents of buildpacks not in buildpack order",
          arguments: CF.arches)
    func oldCacheStaleRemoved(arch: String) throws {
        try withBuilder(arch) { b in
            let old = try oldCaches(b)
            #expect(!(try b.cacheFiles()).contains("./\(old.stale)/"))
        }
    }

    @Test("skip detect / cache tgz / the buildArtifactsCacheDir contains relevant and old buildpack cache directories / removes any files from pre multi buildpack days",
          arguments: CF.arches)
    func oldCachePreMultiRemoved(arch: String) throws {
        try withBuilder(arch) { b in
            _ = try oldCaches(b)
            #expect(!(try b.cacheFiles()).contains("./pre-multi-file"))
        }
    }

    // MARK: with a buildpack that has no commands

    @Test("with a buildpack that has no commands / when the app has a Procfile / with web defined / uses the Procfile for execution_metadata",
          arguments: CF.arches)
    func noCommandsProcfileWeb(arch: String) throws {
        try withBuilder(arch) { b in
            b.buildpackOrder = "release-without-command"
            try b.cpBuildpack("release-without-command")
            try b.cpApp("with-procfile-with-web", "Procfile")
            try b.runSuccessfully()
            expectMatchJSON(try b.resultJSON(), result(#"{"web":"procfile-provided start-command"}"#,
                                                       #"[{"type":"web","command":"procfile-provided start-command"}]"#,
                                                       detected: "Release Without Command", key: "release-without-command"))
        }
    }

    @Test("with a buildpack that has no commands / when the app has a Procfile / without web / displays an error and returns the Procfile data without web",
          arguments: CF.arches)
    func noCommandsProcfileNoWeb(arch: String) throws {
        try withBuilder(arch) { b in
            b.buildpackOrder = "release-without-command"
            try b.cpBuildpack("release-without-command")
            try b.cpApp("with-procfile", "Procfile")
            let r = try b.runSuccessfully()
            #expect(r.stderr.contains(noStartCommand))
            expectMatchJSON(try b.resultJSON(), result(#"{"spider":"bogus command"}"#,
                                                       #"[{"type":"spider","command":"bogus command"}]"#,
                                                       detected: "Release Without Command", key: "release-without-command"))
        }
    }

    @Test("with a buildpack that has no commands / and the app has no Procfile / fails", arguments: CF.arches)
    func noCommandsNoProcfile(arch: String) throws {
        try withBuilder(arch) { b in
            b.buildpackOrder = "release-without-command"
            try b.cpBuildpack("release-without-command")
            try b.cpApp("bash-app", "app.sh")
            let r = try b.runSuccessfully()
            #expect(r.stderr.contains(noStartCommand))
        }
    }

    // MARK: with a buildpack that determines a start web-command

    @Test("with a buildpack that determines a start web-command / when the app has a Procfile / with web defined / merges the Procfile and the buildpack for execution_metadata",
          arguments: CF.arches)
    func webProcfileWeb(arch: String) throws {
        try withBuilder(arch) { b in
            b.buildpackOrder = "always-detects"
            try b.cpBuildpack("always-detects")
            try b.cpApp("with-procfile-with-web", "Procfile")
            try b.runSuccessfully()
            expectMatchJSON(try b.resultJSON(), result(#"{"web":"procfile-provided start-command"}"#,
                                                       #"[{"type":"web","command":"procfile-provided start-command"}]"#,
                                                       detected: "Always Matching", key: "always-detects"))
        }
    }

    @Test("with a buildpack that determines a start web-command / when the app has a Procfile / without web / merges the Procfile but uses the buildpack for execution_metadata",
          arguments: CF.arches)
    func webProcfileNoWeb(arch: String) throws {
        try withBuilder(arch) { b in
            b.buildpackOrder = "always-detects"
            try b.cpBuildpack("always-detects")
            try b.cpApp("with-procfile", "Procfile")
            try b.runSuccessfully()
            expectMatchJSON(try b.resultJSON(), result(
                #"{"spider":"bogus command","web":"the start command"}"#,
                #"[{"type":"web","command":"the start command"},{"type":"spider","command":"bogus command"}]"#,
                detected: "Always Matching", key: "always-detects"))
        }
    }

    @Test("with a buildpack that determines a start web-command / and the app has no Procfile / merges the Procfile and the buildpack for execution_metadata",
          arguments: CF.arches)
    func webNoProcfile(arch: String) throws {
        try withBuilder(arch) { b in
            b.buildpackOrder = "always-detects"
            try b.cpBuildpack("always-detects")
            try b.cpApp("bash-app", "app.sh")
            try b.runSuccessfully()
            expectMatchJSON(try b.resultJSON(), result(#"{"web":"the start command"}"#,
                                                       #"[{"type":"web","command":"the start command"}]"#,
                                                       detected: "Always Matching", key: "always-detects"))
        }
    }

    // MARK: with a buildpack that determines a start non-web-command

    @Test("with a buildpack that determines a start non-web-command / when the app has a Procfile / with web defined / merges the Procfile for execution_metadata",
          arguments: CF.arches)
    func nonWebProcfileWeb(arch: String) throws {
        try withBuilder(arch) { b in
            b.buildpackOrder = "always-detects-non-web"
            try b.cpBuildpack("always-detects-non-web")
            try b.cpApp("with-procfile-with-web", "Procfile")
            try b.runSuccessfully()
            expectMatchJSON(try b.resultJSON(), result(
                #"{"web":"procfile-provided start-command","nonweb":"start nonweb buildpack"}"#,
                #"[{"type":"nonweb","command":"start nonweb buildpack"},{"type":"web","command":"procfile-provided start-command"}]"#,
                detected: "Always Detects Non-Web", key: "always-detects-non-web"))
        }
    }

    @Test("with a buildpack that determines a start non-web-command / when the app has a Procfile / without web / displays an error and returns the Procfile data without web",
          arguments: CF.arches)
    func nonWebProcfileNoWeb(arch: String) throws {
        try withBuilder(arch) { b in
            b.buildpackOrder = "always-detects-non-web"
            try b.cpBuildpack("always-detects-non-web")
            try b.cpApp("with-procfile", "Procfile")
            let r = try b.runSuccessfully()
            #expect(r.stderr.contains(noStartCommand))
            expectMatchJSON(try b.resultJSON(), result(
                #"{"spider":"bogus command","nonweb":"start nonweb buildpack"}"#,
                #"[{"type":"nonweb","command":"start nonweb buildpack"},{"type":"spider","command":"bogus command"}]"#,
                detected: "Always Detects Non-Web", key: "always-detects-non-web"))
        }
    }

    @Test("with a buildpack that determines a start non-web-command / and the app has no Procfile / fails",
          arguments: CF.arches)
    func nonWebNoProcfile(arch: String) throws {
        try withBuilder(arch) { b in
            b.buildpackOrder = "always-detects-non-web"
            try b.cpBuildpack("always-detects-non-web")
            try b.cpApp("bash-app", "app.sh")
            let r = try b.runSuccessfully()
            #expect(r.stderr.contains(noStartCommand))
            expectMatchJSON(try b.resultJSON(), result(#"{"nonweb":"start nonweb buildpack"}"#,
                                                       #"[{"type":"nonweb","command":"start nonweb buildpack"}]"#,
                                                       detected: "Always Detects Non-Web", key: "always-detects-non-web"))
        }
    }

    // MARK: failures

    private func failing(_ b: CFBuilder, order: String, buildpacks: [String], skipDetect: Bool = false,
                         app: (String, String) = ("bash-app", "app.sh")) throws -> RunResult {
        b.buildpackOrder = order
        b.skipDetect = skipDetect
        for bp in buildpacks { try b.cpBuildpack(bp) }
        try b.cpApp(app.0, app.1)
        return try b.run()
    }

    @Test("with an app with an invalid Procfile / fails", arguments: CF.arches)
    func invalidProcfile(arch: String) throws {
        try withBuilder(arch) { b in
            let r = try failing(b, order: "always-detects,also-always-detects",
                                buildpacks: ["always-detects", "also-always-detects"], app: ("bogus-procfile", "Procfile"))
            #expect(r.status == 1)
            #expect(r.stderr.contains("Failed to read command from Procfile: invalid YAML"))
        }
    }

    @Test("when no buildpacks match / should exit with an error", arguments: CF.arches)
    func noBuildpacksMatch(arch: String) throws {
        try withBuilder(arch) { b in
            let r = try failing(b, order: "always-fails-detect", buildpacks: ["always-fails-detect"])
            #expect(r.status == 222)
            #expect(r.stderr.contains("None of the buildpacks detected a compatible application"))
        }
    }

    @Test("when the buildpack fails in compile / should exit with an error", arguments: CF.arches)
    func failsCompile(arch: String) throws {
        try withBuilder(arch) { b in
            let r = try failing(b, order: "fails-to-compile", buildpacks: ["fails-to-compile"])
            #expect(r.status == 223)
            #expect(r.stderr.contains("Failed to compile droplet"))
        }
    }

    @Test("when a buildpack fails a supply script / should exit with an error", arguments: CF.arches)
    func failsSupply(arch: String) throws {
        try withBuilder(arch) { b in
            let r = try failing(b, order: "fails-to-supply,always-detects",
                                buildpacks: ["fails-to-supply", "always-detects"], skipDetect: true)
            #expect(r.status == 225)
            #expect(r.stderr.contains("Failed to run all supply scripts"))
        }
    }

    @Test("when a buildpack that isn't last doesn't have a supply script / should exit with a clear error",
          arguments: CF.arches)
    func noSupplyScript(arch: String) throws {
        try withBuilder(arch) { b in
            let r = try failing(b, order: "has-finalize-no-supply,has-finalize",
                                buildpacks: ["has-finalize-no-supply", "has-finalize"], skipDetect: true)
            #expect(r.status == 225)
            #expect(r.stderr.contains(
                "Error: one of the buildpacks chosen to supply dependencies does not support multi-buildpack apps"))
        }
    }

    private let missingFinalizeWarning = "Warning: the last buildpack is not compatible with multi-buildpack apps and "
        + "cannot make use of any dependencies supplied by the buildpacks specified before it"

    @Test("when a the final buildpack has compile but not finalize / single buildpack / should not display a warning about multi-buildpack compatibility",
          arguments: CF.arches)
    func compileOnlySingle(arch: String) throws {
        try withBuilder(arch) { b in
            let r = try failing(b, order: "always-detects", buildpacks: ["always-detects"], skipDetect: true)
            #expect(r.status == 0)
            #expect(!r.stderr.contains(missingFinalizeWarning))
        }
    }

    @Test("when a the final buildpack has compile but not finalize / multi-buildpack / should display a warning about multi-buildpack compatibility",
          arguments: CF.arches)
    func compileOnlyMulti(arch: String) throws {
        try withBuilder(arch) { b in
            let r = try failing(b, order: "has-finalize,always-detects", buildpacks: ["has-finalize", "always-detects"],
                                skipDetect: true)
            #expect(r.status == 0)
            #expect(r.stderr.contains(missingFinalizeWarning))
        }
    }

    @Test("when the buildpack release generates invalid yaml / should exit with an error", arguments: CF.arches)
    func releaseBadYAML(arch: String) throws {
        try withBuilder(arch) { b in
            let r = try failing(b, order: "release-generates-bad-yaml", buildpacks: ["release-generates-bad-yaml"])
            #expect(r.status == 224)
            #expect(r.stderr.contains("buildpack's release output invalid"))
        }
    }

    @Test("when the buildpack fails to release / should exit with an error", arguments: CF.arches)
    func releaseFails(arch: String) throws {
        try withBuilder(arch) { b in
            let r = try failing(b, order: "fails-to-release", buildpacks: ["fails-to-release"])
            #expect(r.status == 224)
            #expect(r.stderr.contains("Failed to build droplet release"))
        }
    }

    // MARK: buildpack directory names

    @Test("with a buildpack using an md5 based path / should detect the buildpack using an md5 based path",
          arguments: CF.arches)
    func md5Path(arch: String) throws {
        try withBuilder(arch) { b in
            b.buildpackOrder = "always-detect-buildpack"
            try b.cpBuildpack("always-detects", to: "e05b2d8a59b30d5e9552282465253095")
            try b.cpApp("bash-app", "app.sh")
            try b.runSuccessfully()
        }
    }

    @Test("with a nested buildpack using an md5 based path / should detect the nested buildpack using an md5 based path",
          arguments: CF.arches)
    func nestedMD5Path(arch: String) throws {
        try withBuilder(arch) { b in
            b.buildpackOrder = "nested-buildpack"
            try b.cpBuildpack("always-detects", to: "70d137ae4ee01fbe39058ccdebf48460/always-detects")
            try b.cpApp("bash-app", "app.sh")
            try b.runSuccessfully()
        }
    }

    @Test("with a nested buildpack / should detect the nested buildpack", arguments: CF.arches)
    func nestedPath(arch: String) throws {
        try withBuilder(arch) { b in
            b.buildpackOrder = "nested-buildpack"
            try b.cpBuildpack("always-detects", to: "ba8ed7547bcbcb08/always-detects")
            try b.cpApp("bash-app", "app.sh")
            try b.runSuccessfully()
        }
    }
}
