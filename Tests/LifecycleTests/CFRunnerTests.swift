import Foundation
import TestSupport
import Testing

// Ports of Cloud Foundry's buildpackrunner/runner_test.go. CF drives the runner
// through its Go API with -skipDetect and writes deps/<i>/launch.yml into the
// runner's deps dir before GoLikeLightning; here the builder binary runs and the
// fixture buildpack `fake-bp` (CF's testdata/fake_unix_bp) copies
// $FAKE_LAUNCH_DIR/<i>.yml into deps/<i>/launch.yml from its supply script, which
// is the same file in the same place before the builder reads it.

private let fakeStartCommand = "This is the start command for the 'web' default process type in testdata/fake_{unix,windows}_bp/bin/release{,.bat}"

private struct Outcome {
    let run: RunResult
    let stagingInfo: String
    let result: JSONValue
}

/// makeBuilderConfig + GoLikeLightning: skipDetect over `buildpacks`, each a copy of `fixture`.
private func goLikeLightning(arch: String, buildpacks: [String] = ["haskell-buildpack", "bash-buildpack"],
                             fixture: String = "fake-bp", launch: [Int: String] = [:],
                             procfile: String? = nil) throws -> Outcome {
    let b = try CFBuilder(arch: arch)
    defer { b.remove() }
    for bp in buildpacks { try b.cpBuildpack(fixture, to: try CF.xxh64(bp)) }
    b.buildpackOrder = buildpacks.joined(separator: ",")
    b.skipDetect = true
    let launchDir = b.tmp.file("launch")
    try FileManager.default.createDirectory(at: launchDir, withIntermediateDirectories: true)
    for (index, yml) in launch { try Data(yml.utf8).write(to: launchDir.appendingPathComponent("\(index).yml")) }
    b.setEnv("FAKE_LAUNCH_DIR", launchDir.path)
    if let procfile { try Data(procfile.utf8).write(to: b.buildDir.appendingPathComponent("Procfile")) }
    let r = try b.run()
    let info = r.status == 0 ? try b.member("./staging_info.yml") : ""
    return Outcome(run: r, stagingInfo: info, result: try JSONValue.parse(try b.resultJSON()))
}

private func processTypes(_ pairs: [String: String]) -> JSONValue { .object(pairs.mapValues { .string($0) }) }
private func processList(_ list: [(String, String)]) -> JSONValue {
    .array(list.map { .object(["type": .string($0.0), "command": .string($0.1)]) })
}
private func sidecar(_ name: String, _ types: [String], _ command: String, memory: Int? = nil) -> JSONValue {
    var o: [String: JSONValue] = ["name": .string(name), "process_types": .array(types.map { .string($0) }),
                                  "command": .string(command)]
    if let memory { o["memory"] = .number(Double(memory)) }
    return .object(o)
}

@Suite("CF runner_test.go")
struct CFRunnerTests {
    @Test("GoLikeLightning / writing the start command / There is NO procfile and NO launch.yml file / should use the default start command",
          arguments: CF.arches)
    func defaultStartCommand(arch: String) throws {
        let o = try goLikeLightning(arch: arch)
        #expect(o.run.status == 0, "\(o.run.stderr)")
        #expect(o.stagingInfo.contains(#"{"detected_buildpack":"","start_command":"\#(fakeStartCommand)"}"#))
        #expect(o.result["process_types"] == processTypes(["web": fakeStartCommand]))
        #expect(o.result["processes"] == processList([("web", fakeStartCommand)]))
    }

    @Test("GoLikeLightning / writing the start command / A launch.yml is present and there is NO procfile / Should use the start command from launch.yml",
          arguments: CF.arches)
    func launchYML(arch: String) throws {
        let o = try goLikeLightning(arch: arch, launch: [0: """

            processes:
            - type: "web"
              command: "do something forever"
            - type: "worker"
              command: "do something and then quit"
            - type: "newrelic"
              command: "run new relic"
              platforms:
                cloudfoundry:
                  sidecar_for: [ "web" , "worker" ]
            """, 1: """

            processes:
            - type: "web"
              command: "do something else forever"
            - type: "oldrelic"
              command: "run new relic"
              limits:
                memory: 10
              platforms:
                cloudfoundry:
                  sidecar_for: [ "web" ]
            """])
        #expect(o.run.status == 0, "\(o.run.stderr)")
        #expect(o.stagingInfo.contains(#"{"detected_buildpack":"","start_command":"do something else forever"}"#))
        #expect(o.result["process_types"] == processTypes(["web": "do something else forever",
                                                           "worker": "do something and then quit"]))
        #expect(o.result["processes"] == processList([("web", "do something else forever"),
                                                      ("worker", "do something and then quit")]))
        #expect(o.result["sidecars"] == .array([sidecar("newrelic", ["web", "worker"], "run new relic"),
                                                sidecar("oldrelic", ["web"], "run new relic", memory: 10)]))
    }

    @Test("GoLikeLightning / writing the start command / A procfile is present and there is NO launch.yml / Should always use the start command from the procfile",
          arguments: CF.arches)
    func procfileOnly(arch: String) throws {
        let o = try goLikeLightning(arch: arch, procfile: "web: gunicorn server:app")
        #expect(o.run.status == 0, "\(o.run.stderr)")
        #expect(o.stagingInfo.contains(#"{"detected_buildpack":"","start_command":"gunicorn server:app"}"#))
        #expect(o.result["process_types"] == processTypes(["web": "gunicorn server:app"]))
        #expect(o.result["processes"] == processList([("web", "gunicorn server:app")]))
        #expect(o.result["sidecars"] == nil, "sidecars is omitempty")
    }

    @Test("GoLikeLightning / writing the start command / there is NO procfile present and there is launch.yml provided by supply buildpacks / Should always use the start command from the bin/release",
          arguments: CF.arches)
    func supplyLaunchYML(arch: String) throws {
        let o = try goLikeLightning(arch: arch, launch: [0: """

            processes:
            - type: "web"
              command: "do something forever"
            - type: "worker"
              command: "do something and then quit"
            - type: "lightning"
              command: "go forth"
            - type: "newrelic"
              command: "run new relic"
              platforms:
                cloudfoundry:
                  sidecar_for: [ "web" ]
            """])
        #expect(o.run.status == 0, "\(o.run.stderr)")
        #expect(o.stagingInfo.contains(#"{"detected_buildpack":"","start_command":"\#(fakeStartCommand)"}"#))
        #expect(o.result["process_types"] == processTypes(["lightning": "go forth", "web": fakeStartCommand,
                                                           "worker": "do something and then quit"]))
        #expect(o.result["processes"] == processList([("web", fakeStartCommand),
                                                      ("worker", "do something and then quit"),
                                                      ("lightning", "go forth")]))
        #expect(o.result["sidecars"] == .array([sidecar("newrelic", ["web"], "run new relic")]))
    }

    @Test("GoLikeLightning / writing the start command / A procfile is present and there is launch.yml provided by all buildpacks / Should always use the start command from the procfile",
          arguments: CF.arches)
    func procfileAndLaunchYML(arch: String) throws {
        let o = try goLikeLightning(arch: arch, launch: [0: """

            processes:
            - type: "web"
              command: "do something forever"
            - type: "worker"
              command: "do something and then quit"
            - type: "lightning"
              command: "go forth"
            - type: "newrelic"
              command: "run new relic"
              platforms:
                cloudfoundry:
                  sidecar_for: [ "web" ]
            """, 1: """

            processes:
            - type: "worker"
              command: "do something else forever"
            - type: "oldrelic"
              command: "run new relic"
              limits:
                memory: 10
              platforms:
                cloudfoundry:
                  sidecar_for: [ "worker" ]
            """], procfile: "web: gunicorn server:app")
        #expect(o.run.status == 0, "\(o.run.stderr)")
        #expect(o.stagingInfo.contains(#"{"detected_buildpack":"","start_command":"gunicorn server:app"}"#))
        #expect(o.result["process_types"] == processTypes(["lightning": "go forth", "web": "gunicorn server:app",
                                                           "worker": "do something else forever"]))
        #expect(o.result["processes"] == processList([("web", "gunicorn server:app"),
                                                      ("worker", "do something else forever"),
                                                      ("lightning", "go forth")]))
        #expect(o.result["sidecars"] == .array([sidecar("newrelic", ["web"], "run new relic"),
                                                sidecar("oldrelic", ["worker"], "run new relic", memory: 10)]))
    }

    @Test("GoLikeLightning failure scenarios / staging fails but buildpack has written metadata / should write result.json with buildpack metadata on failure",
          arguments: CF.arches)
    func failureOneBuildpack(arch: String) throws {
        let o = try goLikeLightning(arch: arch, buildpacks: ["failing-buildpack"], fixture: "fake-bp-failing")
        #expect(o.run.status == 223)
        #expect(o.run.stderr.contains("Failed to compile droplet"))
        #expect(o.result["lifecycle_type"] == .string("buildpack"))
        #expect(o.result["lifecycle_metadata"]?["buildpacks"] == (try JSONValue.parse(
            #"[{"key":"failing-buildpack","name":"failing-buildpack","version":"1.2.3"}]"#)))
    }

    @Test("GoLikeLightning failure scenarios / staging fails with multiple buildpacks / should write result.json with metadata for all buildpacks on failure",
          arguments: CF.arches)
    func failureTwoBuildpacks(arch: String) throws {
        let o = try goLikeLightning(arch: arch, buildpacks: ["first-failing-buildpack", "second-failing-buildpack"],
                                    fixture: "fake-bp-failing")
        #expect(o.run.status != 0)
        #expect(o.result["lifecycle_type"] == .string("buildpack"))
        #expect(o.result["lifecycle_metadata"]?["buildpacks"] == (try JSONValue.parse("""
            [{"key":"first-failing-buildpack","name":"failing-buildpack","version":"1.2.3"},
             {"key":"second-failing-buildpack","name":"failing-buildpack","version":"1.2.3"}]
            """)))
    }
}
