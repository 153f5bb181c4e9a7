import Foundation
import TestSupport
import Testing

// Ports of Cloud Foundry's launcher/launcher_test.go. CF runs the launcher with
// its working directory at the extract dir (the droplet root, where
// staging_info.yml is), the caller's environment plus CALLERENV, PORT=8080,
// INSTANCE_GUID, INSTANCE_INDEX=123 and VCAP_APPLICATION={"foo":1}.
// `hello` and `custom_entrypoint` are CF's fixture programs, here as scripts.

private let helloFixture = CF.fixtures.appendingPathComponent("launcher/hello")
private let customEntrypointFixture = CF.fixtures.appendingPathComponent("launcher/custom_entrypoint")

/// One launcher invocation in a fresh extract dir with an app/ inside.
final class CFLaunch {
    let extract: TemporaryDirectory
    let arch: String
    var appDir: String { extract.file("app").path }
    var args: [String] = []
    var env: [String: String]
    /// "env; echo running app; <hello>"
    var startCommand: String { "env; echo running app; \(helloFixture.path)" }

    init(arch: String) throws {
        self.arch = arch
        extract = try TemporaryDirectory("vcap")
        try extract.mkdir("app")
        env = environment([
            "CALLERENV": "some-value",
            "TEST_CREDENTIAL_FILTER_WHITELIST": "CALLERENV,DEPS_DIR,VCAP_APPLICATION,VCAP_SERVICES,A,B,C,INSTANCE_GUID,INSTANCE_INDEX,PORT,DATABASE_URL",
            "PORT": "8080", "INSTANCE_GUID": "some-instance-guid", "INSTANCE_INDEX": "123",
            "VCAP_APPLICATION": #"{"foo":1}"#,
        ])
    }

    func remove() { extract.remove() }

    func write(_ relative: String, _ text: String, mode: Int = 0o644) throws {
        _ = try extract.write(relative, text, mode: mode)
    }

    func writeStagingInfo(_ text: String) throws { try write("staging_info.yml", text) }

    /// Copies a fixture program into the extract dir; returns its file name.
    func copyExe(_ fixture: URL, to dir: String) throws -> String {
        try extract.mkdir(dir)
        let target = extract.file("\(dir)/\(fixture.lastPathComponent)")
        try FileManager.default.copyItem(at: fixture, to: target)
        return fixture.lastPathComponent
    }

    func run() throws -> RunResult {
        try LifecycleTests.run(try Lifecycle.binary("launcher", arch: arch), args, cwd: extract.url, environment: env)
    }
}

/// The contexts that run ItExecutesTheCommandWithTheRightEnvironment.
enum LauncherContext: String, CaseIterable, Sendable {
    case startCommandGiven = "when a start command is given"
    case stagingInfoStartCommand = "when no start command is given / staging_info.yml contains a start command"
    case unresolvableTypes = "when no start command is given / staging_info.yml references unresolvable types in non-essential fields"

    func setUp(_ l: CFLaunch) throws {
        switch self {
        case .startCommandGiven:
            l.args = [l.appDir, l.startCommand, #"{ "start_command": "echo should not run this" }"#]
        case .stagingInfoStartCommand:
            l.args = [l.appDir, "", ""]
            try l.writeStagingInfo("detected_buildpack: Ruby\nstart_command: " + l.startCommand)
        case .unresolvableTypes:
            l.args = [l.appDir, "", ""]
            try l.writeStagingInfo("---\nbuildpack_path: !ruby/object:Pathname\n  path: /tmp/buildpacks/null-buildpack\n"
                + "detected_buildpack: \nstart_command: " + l.startCommand + "\n")
        }
    }
}

/// The `It`s of ItExecutesTheCommandWithTheRightEnvironment.
enum LauncherCheck: String, CaseIterable, Sendable {
    case callerEnvironment = "executes with the environment of the caller"
    case home = "executes the start command with $HOME as the given dir"
    case pwd = "changes to the app directory when running"
    case tmpdir = "executes the start command with $TMPDIR as the extract directory + /tmp"
    case depsDir = "executes the start command with $DEPS_DIR as the extract directory + /deps"
    case vcapApplication = "munges VCAP_APPLICATION appropriately"
    case profileD = "when the given dir has .profile.d with scripts in it / sources them before sourcing .profile and before executing"
    case preStartMessage = "when the given dir has .profile.d with scripts in it / prints to the app/task logs when profile scripts are being invoked"
    case startMessage = "when the given dir has .profile.d with scripts in it / prints to the app/task logs when the entrypoint command is being invoked"
    case helloOnPath = "when the given dir has .profile.d with scripts in it / hello is on path / finds the app executable"
    case noProfileD = "when the given dir does not have .profile.d / does not report errors about missing .profile.d"
    case emptyProfileD = "when the given dir has an empty .profile.d / does not report errors about missing .profile.d"
    case parentProfileD = "when the given dir has ../profile.d with scripts in it / sources them before sourcing .profile.d/* and before executing"
    case noParentProfileD = "when the given dir does not have ../profile.d / does not report errors about missing ../profile.d"
    case emptyParentProfileD = "when the given dir has an empty ../profile.d / does not report errors about missing ../profile.d"
}

struct LauncherCase: Sendable, CustomTestStringConvertible {
    let context: LauncherContext
    let check: LauncherCheck
    let arch: String
    var testDescription: String { "\(context.rawValue) / \(check.rawValue) [\(arch)]" }

    static let all: [LauncherCase] = LauncherContext.allCases.flatMap { c in
        LauncherCheck.allCases.flatMap { k in CF.arches.map { LauncherCase(context: c, check: k, arch: $0) } }
    }
}

/// Gomega's successive gbytes.Say: each needle after the previous one.
private func says(_ text: String, _ needles: [String]) -> Bool {
    var rest = text[...]
    for needle in needles {
        guard let r = rest.range(of: needle) else { return false }
        rest = rest[r.upperBound...]
    }
    return true
}

@Suite("CF launcher_test.go")
struct CFLauncherTests {
    private func withLaunch(_ arch: String, _ body: (CFLaunch) throws -> Void) throws {
        let l = try CFLaunch(arch: arch)
        defer { l.remove() }
        try body(l)
    }

    @Test("ItExecutesTheCommandWithTheRightEnvironment", arguments: LauncherCase.all)
    func rightEnvironment(_ c: LauncherCase) throws {
        try withLaunch(c.arch) { l in
            try c.context.setUp(l)
            switch c.check {
            case .profileD, .preStartMessage, .startMessage:
                try l.write("app/.profile.d/a.sh", "echo sourcing a.sh\nexport A=1\n")
                try l.write("app/.profile.d/b.sh", "echo sourcing b.sh\nexport B=1\n")
                try l.write("app/.profile", "echo sourcing .profile\nexport C=$A$B\n")
            case .helloOnPath:
                try l.write("app/.profile.d/a.sh", "echo sourcing a.sh\nexport A=1\n")
                try l.write("app/.profile.d/b.sh", "echo sourcing b.sh\nexport B=1\n")
                try l.write("app/.profile", "echo sourcing .profile\nexport C=$A$B\n")
                let hello = try l.copyExe(helloFixture, to: "app/tmp")
                try l.write("app/.profile.d/a.sh", "echo sourcing a.sh\nexport PATH=$PATH:\(l.appDir)/tmp\n")
                l.args = [l.appDir, hello, #"{ "start_command": "echo should not run this" }"#]
            case .emptyProfileD: try l.extract.mkdir("app/.profile.d")
            case .parentProfileD:
                try l.write("profile.d/a.sh", "echo sourcing a.sh\nexport A=1\n")
                try l.write("profile.d/b.sh", "echo sourcing b.sh\nexport B=1\n")
                try l.write("app/.profile.d/c.sh", "echo sourcing c.sh\nexport C=$A$B\n")
            case .emptyParentProfileD: try l.extract.mkdir("profile.d")
            default: break
            }
            let r = try l.run()
            #expect(r.status == 0, "\(r.stderr)")
            let out = r.stdout
            switch c.check {
            case .callerEnvironment: #expect(out.contains("CALLERENV=some-value"))
            case .home: #expect(out.contains("HOME=" + l.appDir))
            case .pwd: #expect(out.contains("PWD=" + l.appDir))
            case .tmpdir: #expect(out.contains("TMPDIR=" + l.extract.file("tmp").path))
            case .depsDir: #expect(out.contains("DEPS_DIR=" + l.extract.file("deps").path))
            case .vcapApplication:
                let line = try #require(out.split(separator: "\n").first { $0.hasPrefix("VCAP_APPLICATION=") })
                let vcap = try JSONValue.parse(String(line.dropFirst("VCAP_APPLICATION=".count)))
                #expect(vcap["host"] == .string("0.0.0.0"))
                #expect(vcap["port"] == .number(8080))
                #expect(vcap["instance_index"] == .number(123))
                #expect(vcap["instance_id"] == .string("some-instance-guid"))
                #expect(vcap["foo"] == .number(1))
            case .profileD:
                #expect(says(out, ["sourcing a.sh", "sourcing b.sh", "sourcing .profile"]))
                #expect(out.contains("B=1"))
                #expect(out.contains("C=11"))
                #expect(out.contains("running app"))
            case .preStartMessage: #expect(out.contains("Invoking pre-start scripts."))
            case .startMessage: #expect(out.contains("Invoking start command."))
            case .helloOnPath:
                #expect(out.contains("sourcing a.sh"))
                #expect(out.contains("app is running"))
            case .noProfileD, .emptyProfileD, .noParentProfileD, .emptyParentProfileD:
                #expect(r.stderr.isEmpty)
            case .parentProfileD:
                #expect(says(out, ["sourcing a.sh", "sourcing b.sh", "sourcing c.sh"]))
                #expect(out.contains("A=1"))
                #expect(out.contains("B=1"))
                #expect(out.contains("C=11"))
                #expect(out.contains("running app"))
            }
        }
    }

    @Test("the app executable is in vcap/app / finds the app executable", arguments: CF.arches)
    func appExecutableInApp(arch: String) throws {
        try withLaunch(arch) { l in
            let hello = try l.copyExe(helloFixture, to: "app")
            l.args = [l.appDir, "./\(hello)", #"{ "start_command": "echo should not run this" }"#]
            let r = try l.run()
            #expect(r.status == 0)
            #expect(r.stdout.contains("app is running"))
        }
    }

    @Test("when the app exits / exits with the exit code of the app", arguments: CF.arches)
    func appExitCode(arch: String) throws {
        try withLaunch(arch) { l in
            l.args = [l.appDir, "exit 26", #"{ "start_command": "echo should not run this" }"#]
            let r = try l.run()
            #expect(r.status == 26)
        }
    }

    @Test("when the start command starts a subprocess / the subprocess outputs to stdout / captures stdout",
          arguments: CF.arches)
    func subprocessStdout(arch: String) throws {
        try withLaunch(arch) { l in
            l.args = [l.appDir, l.startCommand, #"{ "start_command": "echo should not run this" }"#]
            let r = try l.run()
            #expect(r.status == 0)
            #expect(r.stdout.contains("app is running"))
        }
    }

    @Test("when the start command starts a subprocess / the subprocess outputs to stderr / captures stderr",
          arguments: CF.arches)
    func subprocessStderr(arch: String) throws {
        try withLaunch(arch) { l in
            l.args = [l.appDir, l.startCommand + " 1>&2", #"{ "start_command": "echo should not run this" }"#]
            let r = try l.run()
            #expect(r.status == 0)
            #expect(r.stderr.contains("app is running"))
        }
    }

    private func entrypoint(_ l: CFLaunch) {
        l.args = [l.appDir, l.startCommand, #"{ "start_command": "echo should not run this" }"#]
    }

    @Test("when a start command is given / the staging_info.yml specifies an entrypoint prefix / when running on Linux / when the custom entrypoint is an absolute path / invokes the custom entrypoint and passes the start command to it",
          arguments: CF.arches)
    func entrypointAbsolute(arch: String) throws {
        try withLaunch(arch) { l in
            entrypoint(l)
            let exe = try l.copyExe(customEntrypointFixture, to: "app/tmp")
            try l.writeStagingInfo("config:\n  entrypoint_prefix: \(l.appDir)/tmp/\(exe)")
            let r = try l.run()
            #expect(r.status == 0)
            #expect(r.stdout.contains("I'm a custom entrypoint"))
            #expect(r.stdout.contains("I was called with: '[\(l.startCommand)]'"))
        }
    }

    @Test("when a start command is given / the staging_info.yml specifies an entrypoint prefix / when running on Linux / when the custom entrypoint is on the PATH / invokes the custom entrypoint and passes the start command to it",
          arguments: CF.arches)
    func entrypointOnPath(arch: String) throws {
        try withLaunch(arch) { l in
            entrypoint(l)
            let exe = try l.copyExe(customEntrypointFixture, to: "app/tmp")
            try l.writeStagingInfo("config:\n  entrypoint_prefix: \(exe)")
            try l.write("app/.profile.d/set_path.sh", "echo Setting path\nexport PATH=$PATH:\(l.appDir)/tmp\n")
            let r = try l.run()
            #expect(r.status == 0)
            #expect(r.stdout.contains("I'm a custom entrypoint"))
            #expect(r.stdout.contains("I was called with: '[\(l.startCommand)]'"))
        }
    }

    @Test("when a start command is given / the staging_info.yml specifies an entrypoint prefix / when running on Linux / when the custom entrypoint cannot be found / reports 'command not found' and continues execution of the start command",
          arguments: CF.arches)
    func entrypointNotFound(arch: String) throws {
        try withLaunch(arch) { l in
            entrypoint(l)
            try l.writeStagingInfo("config:\n  entrypoint_prefix: \"custom_entrypoint\"")
            let r = try l.run()
            #expect(r.status == 127)
            #expect(r.stderr.contains("exec: custom_entrypoint: not found"))
            #expect(!r.stdout.contains("I'm a custom entrypoint"))
            #expect(!r.stdout.contains("I was called with:"))
        }
    }

    // MARK: interpolation of credhub-ref in VCAP_SERVICES (the cases that need no CredHub server)

    private func credhub(_ l: CFLaunch, _ options: String?) {
        l.args = [l.appDir, l.startCommand, "", "-credhubRetryDelay=0s", "-credhubConnectAttempts=1"]
        l.env["VCAP_SERVICES"] = #"{"my-server":[{"credentials":{"credhub-ref":"(//my-server/creds)"}}]}"#
        if let options { l.env["VCAP_PLATFORM_OPTIONS"] = options }
    }

    @Test("credhub-ref in VCAP_SERVICES / when an empty string is passed for the launcher platform options / does not attempt to do any credhub interpolation",
          arguments: CF.arches)
    func credhubEmptyString(arch: String) throws {
        try withLaunch(arch) { l in
            credhub(l, "")
            let r = try l.run()
            #expect(r.status == 0)
            #expect(r.stdout.contains(#"VCAP_SERVICES={"my-server":[{"credentials":{"credhub-ref":"(//my-server/creds)"}}]}"#))
        }
    }

    @Test("credhub-ref in VCAP_SERVICES / when an empty JSON is passed for the launcher platform options / does not attempt to do any credhub interpolation",
          arguments: CF.arches)
    func credhubEmptyJSON(arch: String) throws {
        try withLaunch(arch) { l in
            credhub(l, "{}")
            let r = try l.run()
            #expect(r.status == 0)
            #expect(r.stdout.contains(#"VCAP_SERVICES={"my-server":[{"credentials":{"credhub-ref":"(//my-server/creds)"}}]}"#))
        }
    }

    @Test("credhub-ref in VCAP_SERVICES / when invalid JSON is passed for the launcher platform options / prints an error message",
          arguments: CF.arches)
    func credhubInvalidJSON(arch: String) throws {
        try withLaunch(arch) { l in
            credhub(l, #"{"credhub-uri":"missing quote and brace"#)
            let r = try l.run()
            #expect(r.status == 3)
            #expect(r.stderr.contains("Invalid platform options"))
        }
    }

    @Test("credhub-ref in VCAP_SERVICES / VCAP_SERVICES does not have an appropriate credential / DATABASE_URL is not set",
          arguments: CF.arches)
    func credhubNoDatabaseURL(arch: String) throws {
        try withLaunch(arch) { l in
            l.args = [l.appDir, l.startCommand, "", "-credhubRetryDelay=0s", "-credhubConnectAttempts=1"]
            let r = try l.run()
            #expect(r.status == 0)
            #expect(!r.stdout.contains("DATABASE_URL="))
        }
    }

    // MARK: setting DATABASE_URL env variable

    private func database(_ l: CFLaunch, uri: String) {
        l.args = [l.appDir, l.startCommand, ""]
        l.env["VCAP_SERVICES"] = #"{"my-server":[{"credentials":{"uri":"\#(uri)"}}]}"#
    }

    @Test("setting DATABASE_URL env variable / VCAP_SERVICES does not have an appropriate credential / DATABASE_URL is not set",
          arguments: CF.arches)
    func databaseURLNotSet(arch: String) throws {
        try withLaunch(arch) { l in
            database(l, uri: "datastore://thing.com/special")
            let r = try l.run()
            #expect(r.status == 0)
            #expect(!r.stdout.contains("DATABASE_URL="))
        }
    }

    @Test("setting DATABASE_URL env variable / VCAP_SERVICES is NOT encrypted / sets DATABASE_URL", arguments: CF.arches)
    func databaseURLSet(arch: String) throws {
        try withLaunch(arch) { l in
            database(l, uri: "postgres://thing.com/special")
            let r = try l.run()
            #expect(r.status == 0)
            #expect(r.stdout.contains("DATABASE_URL=postgres://thing.com/special"))
        }
    }

    @Test("setting DATABASE_URL env variable / DATABASE_URL was set before running builder / overrides DATABASE_URL",
          arguments: CF.arches)
    func databaseURLOverrides(arch: String) throws {
        try withLaunch(arch) { l in
            database(l, uri: "postgres://thing.com/special")
            l.env["DATABASE_URL"] = "original content"
            let r = try l.run()
            #expect(r.status == 0)
            #expect(r.stdout.contains("DATABASE_URL=postgres://thing.com/special"))
            #expect(!r.stdout.contains("DATABASE_URL=original content"))
        }
    }

    // MARK: when no start command is given

    @Test("when no start command is given / when the app package does not contain staging_info.yml / fails and reports no start command",
          arguments: CF.arches)
    func noStagingInfo(arch: String) throws {
        try withLaunch(arch) { l in
            l.args = [l.appDir, "", ""]
            let r = try l.run()
            #expect(r.status == 1)
            #expect(r.stderr.contains("launcher: no start command specified or detected in droplet"))
        }
    }

    @Test("when no start command is given / staging_info.yml is missing a start command / fails and reports no start command",
          arguments: CF.arches)
    func stagingInfoWithoutCommand(arch: String) throws {
        try withLaunch(arch) { l in
            l.args = [l.appDir, "", ""]
            try l.writeStagingInfo("detected_buildpack: Ruby")
            let r = try l.run()
            #expect(r.status == 1)
            #expect(r.stderr.contains("launcher: no start command specified or detected in droplet"))
        }
    }

    @Test("when no start command is given / staging_info.yml is not valid YAML / prints an error message",
          arguments: CF.arches)
    func invalidStagingInfo(arch: String) throws {
        try withLaunch(arch) { l in
            l.args = [l.appDir, "", ""]
            try l.writeStagingInfo("start_command: &ruby/object:Pathname")
            let r = try l.run()
            #expect(r.status == 1)
            #expect(r.stderr.contains("Invalid staging info"))
        }
    }

    @Test("when arguments are missing / fails with an indication that too few arguments were passed",
          arguments: CF.arches)
    func missingArguments(arch: String) throws {
        try withLaunch(arch) { l in
            l.args = [l.appDir, "env"]
            let r = try l.run()
            #expect(r.status == 1)
            #expect(r.stderr.contains("launcher: received only 2 arguments\n"))
            #expect(r.stderr.contains("Usage: "))
            #expect(r.stderr.contains("launcher <app-directory> <start-command> <metadata>"))
        }
    }
}
