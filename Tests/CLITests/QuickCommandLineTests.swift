import ArgumentParser
import Testing
@testable import pipette

/// `QuickCommandLine` reads the usual `pipette build` and `pipette stage` lines without
/// ArgumentParser; it must read them as ArgumentParser does, and hand everything else to it.
@Suite("command lines read without reflection")
struct QuickCommandLineTests {
    /// The fields of a parsed build or staging, to compare the two readers.
    private func fields(_ build: LocalBuild) -> [String] {
        [build.app, build.stack, build.buildpacks.joined(separator: ","), "\(build.skipDetect)", build.output ?? "<none>",
         build.startCommand ?? "<none>", "\(build.timeout)", build.environment.joined(separator: ",")]
    }

    private func fields(_ staging: RemoteStaging) -> [String] {
        [staging.appID, staging.stack ?? "<none>", staging.buildpacks.joined(separator: ","), "\(staging.skipDetect)",
         staging.nats ?? "<none>", staging.cc, staging.queue, "\(staging.timeout)"]
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
    func readsTheUsualBuildLinesAsArgumentParserDoes(_ line: [String]) throws {
        let quick = try #require(LocalBuild.read(line), "\(line) was handed to ArgumentParser")
        let parsed = try #require(try Pipette.parseAsRoot(line) as? BuildCommand)
        #expect(fields(quick) == fields(parsed.build))
    }

    @Test(arguments: [
        ["stage", "static"],
        ["stage", "static", "--nats", "nats://127.0.0.1:4222", "--cc", "http://127.0.0.1:9292"],
        ["stage", "--stack=bookworm-arm64", "sinatra", "--queue", "staging-local", "--timeout", "60"],
        ["stage", "x", "--buildpack", "ruby", "--buildpack", "binary", "--skip-detect", "--nats=tls://h:4222"],
    ])
    func readsTheUsualStageLinesAsArgumentParserDoes(_ line: [String]) throws {
        let quick = try #require(RemoteStaging.read(line), "\(line) was handed to ArgumentParser")
        let parsed = try #require(try Pipette.parseAsRoot(line) as? StageCommand)
        #expect(fields(quick) == fields(parsed.staging))
    }

    /// Help, errors and the unusual forms are ArgumentParser's, with its usage and messages.
    @Test(arguments: [
        [], ["build"], ["push", "a", "--stack", "s"], ["build", "--help"], ["build", "-h"], ["build", "a", "--stack", "s", "--help"],
        ["build", "a"], ["build", "--stack", "s"], ["build", "a", "b", "--stack", "s"], ["build", "", "--stack", "s"],
        ["build", "a", "--stack"], ["build", "a", "--stack", "--skip-detect"], ["build", "a", "--stack", "s", "--stack", "t"],
        ["build", "a", "--stack", "s", "-o", "x", "--output", "y"], ["build", "a", "--stack", "s", "--unknown"],
        ["build", "a", "--stack", "s", "--skip-detect"], ["build", "a", "--stack", "s", "--skip-detect=true"],
        ["build", "a", "--stack", "s", "--buildpack", "x", "--skip-detect", "--skip-detect"],
        ["build", "a", "--stack", "s", "--timeout", "0"], ["build", "a", "--stack", "s", "--timeout", "ten"],
        ["build", "a", "--stack", "s", "--env", "NOEQUALS"], ["build", "a", "--stack", "s", "-o", ""],
        ["build", "a", "--stack", "s", "-o/tmp"], ["build", "a", "--stack", "s", "--", "b"], ["build", "-", "--stack", "s"],
        ["build", "a", "--stack", "s", "--start-command", "-x"], ["build", "a", "--stack=", "s"],
        ["build", "a", "--stack", "s", "--output", "/no/such/folder/"], ["build", "a", "--stack", "s", "--nats", "x"],
        ["stage"], ["stage", "--help"], ["stage", "a", "b"], ["stage", "a", "--timeout", "soon"], ["stage", "a", "--env", "A=1"],
        ["stage", "a", "--queue", "q", "--queue", "r"], ["stage", "a", "--nats"], ["stage", "a", "--cc="], ["stage", "a", "-o", "x"],
    ])
    func handsEverythingElseToArgumentParser(_ line: [String]) {
        #expect(LocalBuild.read(line) == nil)
        #expect(RemoteStaging.read(line) == nil)
    }

    /// The options each command declares, from its help.
    private func declaredOptions(_ help: String) -> Set<String> {
        Set(help.split(whereSeparator: { " ,=<>[]\n".contains($0) })
            .filter { $0.hasPrefix("-") && $0.count > 1 && $0 != "--" }.map(String.init))
            .subtracting(["-h", "--help"])
    }

    private func known(_ line: QuickCommandLine) -> Set<String> {
        Set(line.options.flatMap { [$0.name] + ($0.alias.map { [$0] } ?? []) })
    }

    /// A new option must be taught to the quick reader (or it would be refused by it and parsed
    /// by ArgumentParser: correct, but slow), and the reader knows no option the command does not
    /// declare, with the kind it declares.
    @Test func knowsExactlyTheOptionsEachCommandDeclares() {
        let build = BuildCommand.helpMessage(columns: 200)
        #expect(declaredOptions(build) == known(LocalBuild.commandLine), "\(build)")
        let stage = StageCommand.helpMessage(columns: 200)
        #expect(declaredOptions(stage) == known(RemoteStaging.commandLine), "\(stage)")
        for (line, help) in [(LocalBuild.commandLine, build), (RemoteStaging.commandLine, stage)] {
            let usage = help.split(separator: "\n").first { $0.hasPrefix("USAGE:") }.map(String.init) ?? ""
            for option in line.options {
                let takesValue = help.contains("\(option.name) <")
                let repeatable = usage.contains(try! Regex("\(option.name) <[^>]*> \\.\\.\\."))
                switch option.kind {
                case .flag: #expect(!takesValue, "\(option.name) takes no value")
                case .value: #expect(takesValue && !repeatable, "\(option.name) takes one value")
                case .list: #expect(takesValue && repeatable, "\(option.name) is repeatable: \(usage)")
                }
            }
        }
    }
}
