import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A droplet-shaped directory: <root>/app, <root>/profile.d, <root>/staging_info.yml.
private struct Extracted {
    let root: TemporaryDirectory
    var app: URL { root.file("app") }

    init() throws {
        root = try TemporaryDirectory("lc-launcher")
        try root.mkdir("app")
    }

    func launch(_ command: String, metadata: String = "{}", env: [String: String?] = [:]) throws -> RunResult {
        try run(try Lifecycle.binary("launcher"), [app.path, command, metadata], cwd: root.url,
                environment: environment(env))
    }
}

private func value(_ name: String, in output: String) -> String? {
    output.split(separator: "\n").first { $0.hasPrefix("\(name)=") }.map { String($0.dropFirst(name.count + 1)) }
}

@Suite("launcher")
struct LauncherTests {
    @Test("HOME, TMPDIR, DEPS_DIR, PORT and the working directory are set like CF")
    func environmentVariables() throws {
        let d = try Extracted()
        defer { d.root.remove() }
        let r = try d.launch("env; echo PWD=$(pwd)", env: ["CALLERENV": "kept"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(value("HOME", in: r.stdout) == d.app.path)
        #expect(value("PWD", in: r.stdout) == d.app.path)
        #expect(value("TMPDIR", in: r.stdout) == d.root.file("tmp").path)
        #expect(value("DEPS_DIR", in: r.stdout) == d.root.file("deps").path)
        #expect(value("PORT", in: r.stdout) == "8080")
        #expect(value("CALLERENV", in: r.stdout) == "kept")
        #expect(r.stderr.isEmpty)
        let withPort = try d.launch("echo PORT=$PORT", env: ["PORT": "9123"])
        #expect(value("PORT", in: withPort.stdout) == "9123")
    }

    @Test("VCAP_APPLICATION gets host, port, instance_id and instance_index (CF's munging)")
    func vcapApplication() throws {
        let d = try Extracted()
        defer { d.root.remove() }
        let r = try d.launch(#"echo "VCAP_APPLICATION=$VCAP_APPLICATION""#, env: [
            "VCAP_APPLICATION": #"{"foo":1,"application_name":"my-app"}"#, "PORT": "8080",
            "INSTANCE_GUID": "some-instance-guid", "INSTANCE_INDEX": "123",
        ])
        let app = try jsonObject(try #require(value("VCAP_APPLICATION", in: r.stdout)))
        #expect(app["host"] as? String == "0.0.0.0")
        #expect(app["port"] as? Int == 8080)
        #expect(app["instance_index"] as? Int == 123)
        #expect(app["instance_id"] as? String == "some-instance-guid")
        #expect(app["foo"] as? Int == 1)
        #expect(app["application_name"] as? String == "my-app")
    }

    @Test("without VCAP_APPLICATION a minimal one is provided")
    func vcapApplicationDefault() throws {
        let d = try Extracted()
        defer { d.root.remove() }
        let r = try d.launch(#"echo "VCAP_APPLICATION=$VCAP_APPLICATION""#)
        let app = try jsonObject(try #require(value("VCAP_APPLICATION", in: r.stdout)))
        #expect(app["host"] as? String == "0.0.0.0")
        #expect(app["port"] as? Int == 8080)
        #expect(app["uris"] as? [String] == [])
        #expect(app["application_uris"] as? [String] == [])
    }

    @Test("sources ../profile.d/*, then .profile.d/*, then .profile, before the start command")
    func profileOrder() throws {
        let d = try Extracted()
        defer { d.root.remove() }
        try d.root.write("profile.d/a.sh", "echo sourcing a.sh\nexport A=1\n")
        try d.root.write("profile.d/b.sh", "echo sourcing b.sh\nexport B=1\n")
        try d.root.write("app/.profile.d/c.sh", "echo sourcing c.sh\nexport C=$A$B\n")
        try d.root.write("app/.profile", "echo sourcing .profile\nexport D=${C}x\n")
        let r = try d.launch("echo running app C=$C D=$D")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == """
            Invoking pre-start scripts.
            sourcing a.sh
            sourcing b.sh
            sourcing c.sh
            sourcing .profile
            Invoking start command.
            running app C=11 D=11x

            """)
        #expect(r.stderr.isEmpty)
    }

    @Test("empty or missing profile directories produce no errors")
    func noProfiles() throws {
        let d = try Extracted()
        defer { d.root.remove() }
        try d.root.mkdir("app/.profile.d")
        let r = try d.launch("echo ok")
        #expect(r.status == 0)
        #expect(r.stderr.isEmpty)
        #expect(r.stdout.hasSuffix("ok\n"))
    }

    @Test("with an empty start command, staging_info.yml's start_command runs (JSON or YAML)",
          arguments: [#"{"detected_buildpack":"x","start_command":"echo staged $PORT"}"#,
                      "detected_buildpack: Ruby\nstart_command: echo staged $PORT\n"])
    func stagedCommand(info: String) throws {
        let d = try Extracted()
        defer { d.root.remove() }
        try d.root.write("staging_info.yml", info)
        let r = try d.launch("")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasSuffix("staged 8080\n"))
    }

    @Test("no command anywhere, bad staging info, too few arguments: exit 1 with CF's message")
    func errors() throws {
        let d = try Extracted()
        defer { d.root.remove() }
        let none = try d.launch("")
        #expect(none.status == 1)
        #expect(none.stderr.hasSuffix(": no start command specified or detected in droplet"))
        try d.root.write("staging_info.yml", "start_command: [unclosed")
        let bad = try d.launch("")
        #expect(bad.status == 1)
        #expect(bad.stderr.hasPrefix("Invalid staging info"))
        let launcher = try Lifecycle.binary("launcher")
        let few = try run(launcher, [d.app.path, "env"], environment: environment())
        #expect(few.status == 1)
        #expect(few.stderr == "\(launcher): received only 2 arguments\nUsage: \(launcher) <app-directory> <start-command> <metadata>")
        try FileManager.default.removeItem(at: d.root.file("staging_info.yml"))
        let platform = try d.launch("echo hi", env: ["VCAP_PLATFORM_OPTIONS": #"{"credhub-uri":"missing quote"#])
        #expect(platform.status == 3)
        #expect(platform.stderr.hasPrefix("Invalid platform options"))
    }

    @Test("the app's exit status is the launcher's")
    func exitStatus() throws {
        let d = try Extracted()
        defer { d.root.remove() }
        #expect(try d.launch("exit 26").status == 26)
    }

    @Test("DATABASE_URL comes from VCAP_SERVICES and overrides an old value")
    func databaseURL() throws {
        let d = try Extracted()
        defer { d.root.remove() }
        let r = try d.launch("echo DATABASE_URL=$DATABASE_URL", env: [
            "VCAP_SERVICES": #"{"my-server":[{"credentials":{"uri":"postgres://thing.com/special"}}]}"#,
            "DATABASE_URL": "original content",
        ])
        #expect(value("DATABASE_URL", in: r.stdout) == "postgres://thing.com/special")
    }

    @Test("the start command replaces the launcher process and receives SIGTERM")
    func execAndSignals() throws {
        let d = try Extracted()
        defer { d.root.remove() }
        // a simple command is exec'ed: the launcher's pid ends up running `sleep`
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: try Lifecycle.binary("launcher"))
        sleeper.arguments = [d.app.path, "sleep 30", "{}"]
        sleeper.environment = environment()
        sleeper.standardOutput = FileHandle.nullDevice
        try sleeper.run()
        defer { if sleeper.isRunning { sleeper.terminate() } }
        var comm = ""
        for _ in 0..<500 where comm != "sleep" {
            comm = (try? String(contentsOfFile: "/proc/\(sleeper.processIdentifier)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            usleep(10_000)
        }
        #expect(comm == "sleep")
        kill(sleeper.processIdentifier, SIGTERM)
        sleeper.waitUntilExit()
        #expect(sleeper.terminationReason == .uncaughtSignal)

        // a script start command traps the SIGTERM sent to the launcher's pid
        let trapper = Process()
        trapper.executableURL = sleeper.executableURL
        trapper.arguments = [d.app.path, "trap 'echo got TERM; exit 0' TERM; echo ready; while :; do sleep 0.05; done", "{}"]
        trapper.environment = environment()
        let pipe = Pipe()
        trapper.standardOutput = pipe
        let output = OutputCollector(pipe)
        try trapper.run()
        defer { if trapper.isRunning { kill(trapper.processIdentifier, SIGKILL) } }
        #expect(output.wait(for: "ready", seconds: 30))
        kill(trapper.processIdentifier, SIGTERM)
        trapper.waitUntilExit()
        #expect(trapper.terminationStatus == 0)
        #expect(output.wait(for: "got TERM", seconds: 10))
    }

    @Test("end to end: a droplet staged by the builder starts with its staged command and profile scripts")
    func runsStagedDroplet() throws {
        let s = try Staging()
        defer { s.remove() }
        try s.install("supply-a")
        try s.install("finalizer")
        try s.dir.write("app/Procfile", #"web: echo "SUPPLY_A=$SUPPLY_A FINALIZED=$FINALIZED FROM_APP=$FROM_APP""# + "\n")
        try s.dir.write("app/.profile.d/app.sh", "export FROM_APP=yes\n")
        let staged = try s.build(["supply-a", "finalizer"], skipDetect: true)
        #expect(staged.status == 0, "\(staged.stderr)")

        let home = try TemporaryDirectory("lc-home")
        defer { home.remove() }
        let untar = try run("/usr/bin/env", ["tar", "-xzf", s.droplet.path, "-C", home.path])
        #expect(untar.status == 0)
        let r = try run(try Lifecycle.binary("launcher"), [home.file("app").path, "", ""], cwd: home.url,
                        environment: environment())
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasSuffix("SUPPLY_A=yes FINALIZED=yes FROM_APP=yes\n"))
    }
}
