import ArgumentParser
import Testing
@testable import pipette

/// `BuildCommandLine` reads the usual `pipette build` lines without ArgumentParser; it must read
/// them as ArgumentParser does, and hand everything else to it.
@Suite("pipette build's command line without reflection")
struct BuildCommandLineTests {
    /// The fields of a parsed build, to compare the two readers.
    private func fields(_ build: LocalBuild) -> [String] {
        [build.app, build.stack, build.buildpacks.joined(separator: ","), "\(build.skipDetect)", build.output ?? "<none>",
         build.startCommand ?? "<none>", "\(build.timeout)", build.environment.joined(separator: ",")]
    }

    @Test(arguments: [
        ["build", "apps/static", "--stack", "tiny-amd64"],
        ["build", "--stack", "tiny-amd64", "apps/static"],
        ["build", "apps/static", "--stack=tiny-amd64", "-o", "/tmp"],
        ["build", "app.zip", "--stack", "bookworm-arm64", "--buildpack", "ruby", "--output", "app.tgz"],
        ["build", "apps/shell", "--stack", "tiny-arm64", "--buildpack", "binary", "--skip-detect"],
        ["build", "a", "--stack", "s", "--buildpack", "ruby", "--buildpack=python", "--skip-detect", "--timeout", "30"],
        ["build", "a", "--stack", "s", "--env", "A=1", "--env=B=x=y", "--start-command", "ruby app.rb"],
        ["build", "a", "--stack", "s", "--start-command", "", "--env", "EMPTY="],
        ["build", "a b", "--stack", "s", "--output=/tmp/o.tgz", "--timeout=900"],
    ])
    func readsTheUsualLinesAsArgumentParserDoes(_ line: [String]) throws {
        let quick = try #require(BuildCommandLine.build(line), "\(line) was handed to ArgumentParser")
        let parsed = try #require(try Pipette.parseAsRoot(line) as? BuildCommand)
        #expect(fields(quick) == fields(parsed.build))
    }

    /// Help, errors and the unusual forms are ArgumentParser's, with its usage and messages.
    @Test(arguments: [
        [], ["build"], ["stage", "a", "--stack", "s"], ["build", "--help"], ["build", "-h"], ["build", "a", "--stack", "s", "--help"],
        ["build", "a"], ["build", "--stack", "s"], ["build", "a", "b", "--stack", "s"], ["build", "", "--stack", "s"],
        ["build", "a", "--stack"], ["build", "a", "--stack", "--skip-detect"], ["build", "a", "--stack", "s", "--stack", "t"],
        ["build", "a", "--stack", "s", "-o", "x", "--output", "y"], ["build", "a", "--stack", "s", "--unknown"],
        ["build", "a", "--stack", "s", "--skip-detect"], ["build", "a", "--stack", "s", "--skip-detect=true"],
        ["build", "a", "--stack", "s", "--buildpack", "x", "--skip-detect", "--skip-detect"],
        ["build", "a", "--stack", "s", "--timeout", "0"], ["build", "a", "--stack", "s", "--timeout", "ten"],
        ["build", "a", "--stack", "s", "--env", "NOEQUALS"], ["build", "a", "--stack", "s", "-o", ""],
        ["build", "a", "--stack", "s", "-o/tmp"], ["build", "a", "--stack", "s", "--", "b"], ["build", "-", "--stack", "s"],
        ["build", "a", "--stack", "s", "--start-command", "-x"], ["build", "a", "--stack=", "s"], ["build", "a", "--stack", "s", "--output", "/no/such/folder/"],
    ])
    func handsEverythingElseToArgumentParser(_ line: [String]) {
        #expect(BuildCommandLine.build(line) == nil)
    }

    /// A new `pipette build` option must be taught to the reader (or it would be refused by it
    /// and parsed by ArgumentParser: correct, but slow), and the reader knows no option the
    /// command does not declare.
    @Test func knowsExactlyTheOptionsTheCommandDeclares() {
        let help = BuildCommand.helpMessage(columns: 200)
        let declared = Set(help.split(whereSeparator: { " ,=<>[]\n".contains($0) })
            .filter { $0.hasPrefix("-") && $0.count > 1 && $0 != "--" }.map(String.init))
            .subtracting(["-h", "--help"])
        #expect(declared == Set(BuildCommandLine.options), "\(help)")
        for option in BuildCommandLine.options { #expect(BuildCommandLine.takesValue(option) == (option != "--skip-detect")) }
    }
}
