import Foundation
import TestSupport
import Testing

@Suite("shell")
struct ShellTests {
    @Test("runs a command in the app environment with profile.d sourced (but not .profile)")
    func command() throws {
        let root = try TemporaryDirectory("lc-shell")
        defer { root.remove() }
        try root.write("profile.d/a.sh", "export A=from-profile-d\n")
        try root.write("app/.profile.d/b.sh", "export B=from-app\n")
        try root.write("app/.profile", "export C=from-dot-profile\n")
        let r = try run(try Lifecycle.binary("shell"),
                        [root.file("app").path, "echo A=$A B=$B C=$C HOME=$HOME DEPS_DIR=$DEPS_DIR PWD=$(pwd)"],
                        environment: environment())
        #expect(r.status == 0, "\(r.stderr)")
        let app = root.file("app").path
        #expect(r.stdout == "A=from-profile-d B=from-app C= HOME=\(app) DEPS_DIR=\(root.file("deps").path) PWD=\(app)\n")
    }

    @Test("without arguments it uses $HOME/app and reads commands from stdin")
    func interactiveDefault() throws {
        let home = try TemporaryDirectory("lc-shell-home")
        defer { home.remove() }
        try home.write("app/.profile.d/x.sh", "export X=sourced\n")
        let r = try run(try Lifecycle.binary("shell"), [], environment: environment(["HOME": home.path]),
                        stdin: "echo X=$X HOME=$HOME\nexit 3\n")
        #expect(r.status == 3)
        #expect(r.stdout.contains("X=sourced HOME=\(home.file("app").path)"))
    }

    @Test("missing app directories give CF's messages")
    func errors() throws {
        let shell = try Lifecycle.binary("shell")
        let given = try run(shell, ["/nonexistent/app", "true"], environment: environment())
        #expect(given.status == 1)
        #expect(given.stderr == "Provided app direcory does not exist")
        let inferred = try run(shell, [], environment: environment(["HOME": "/nonexistent"]))
        #expect(inferred.status == 1)
        #expect(inferred.stderr == "Could not infer app directory, please provide one")
    }
}
