import Foundation
import TestSupport
import Testing

// Ports of Cloud Foundry's shell/shell_test.go. CF's [unit] cases call shell.Run
// with a fake os and exec; here the real shell runs and the same outcome is
// observed from outside: the directory bash starts in (its `pwd`, fed on stdin),
// the command that runs, or the error text and exit status 1 of shell/main.go.

@Suite("CF shell_test.go")
struct CFShellTests {
    @Test("[integration] / runs the command with desired environment", arguments: CF.arches)
    func integration(arch: String) throws {
        let home = try TemporaryDirectory("vcap")
        defer { home.remove() }
        let app = home.file("app").path
        try home.write("profile.d/stuff", "echo homedir profile.d sourced\n")
        try home.write("app/.profile.d/stuff", "echo appdir profile.d sourced\n")
        try home.write("app/.profile", "echo appdir profile sourced\n")
        let r = try run(try Lifecycle.binary("shell", arch: arch), [app, "env; echo running app"], cwd: home.url,
                        environment: environment([
                            "CALLERENV": "some-value", "PORT": "8080", "INSTANCE_GUID": "some-instance-guid",
                            "INSTANCE_INDEX": "123", "VCAP_APPLICATION": #"{"foo":1}"#,
                        ]))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("CALLERENV=some-value"), "executes with the environment of the caller")
        #expect(r.stdout.contains("HOME=" + app), "executes the start command with $HOME as the given dir")
        #expect(r.stdout.contains("homedir profile.d sourced"), "sources appDir/../profile.d/*")
        #expect(r.stdout.contains("appdir profile.d sourced"), "sources appDir/.profile.d/*")
        #expect(!r.stdout.contains("appdir profile sourced"), "NOT sourcing appDir/.profile")
    }

    @Test("[unit] / no arguments supplied / app is at $HOME/app / runs bash in the $HOME/app directory",
          arguments: CF.arches)
    func noArguments(arch: String) throws {
        let home = try TemporaryDirectory("lc-shell-home")
        defer { home.remove() }
        try home.mkdir("app")
        let r = try run(try Lifecycle.binary("shell", arch: arch), [], environment: environment(["HOME": home.path]),
                        stdin: "pwd\n")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == home.file("app").path + "\n")
    }

    @Test("[unit] / no arguments supplied / $HOME/app is not a directory / returns an error", arguments: CF.arches)
    func noAppInHome(arch: String) throws {
        let home = try TemporaryDirectory("lc-shell-home")
        defer { home.remove() }
        let r = try run(try Lifecycle.binary("shell", arch: arch), [], environment: environment(["HOME": home.path]))
        #expect(r.status == 1)
        #expect(r.stderr == "Could not infer app directory, please provide one")
    }

    @Test("[unit] / directory is supplied, but command is not / app directory exists / runs bash in the supplied app directory",
          arguments: CF.arches)
    func directoryOnly(arch: String) throws {
        let root = try TemporaryDirectory("lc-shell")
        defer { root.remove() }
        try root.mkdir("app")
        let r = try run(try Lifecycle.binary("shell", arch: arch), [root.file("app").path],
                        environment: environment(), stdin: "pwd\n")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == root.file("app").path + "\n")
    }

    @Test("[unit] / directory is supplied, but command is not / app directory does not exist / returns an error",
          arguments: CF.arches)
    func missingDirectory(arch: String) throws {
        let r = try run(try Lifecycle.binary("shell", arch: arch), ["/b/d/f/app"], environment: environment())
        #expect(r.status == 1)
        #expect(r.stderr == "Provided app direcory does not exist")
    }

    @Test("[unit] / directory and command are supplied / app directory exists / runs the supllied command in the supplied app directory",
          arguments: CF.arches)
    func directoryAndCommand(arch: String) throws {
        let root = try TemporaryDirectory("lc-shell")
        defer { root.remove() }
        try root.mkdir("app")
        let r = try run(try Lifecycle.binary("shell", arch: arch), [root.file("app").path, "echo command ran in $(pwd)"],
                        environment: environment())
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "command ran in \(root.file("app").path)\n")
    }
}
