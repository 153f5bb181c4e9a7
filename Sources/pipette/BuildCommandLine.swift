import ArgumentParser

/// Reads the usual `pipette build` command lines without ArgumentParser's reflection.
///
/// ArgumentParser learns a command's options by reflecting over it (`Mirror`, casts to its
/// property-wrapper protocols), and each first cast makes the Swift runtime scan all of the
/// executable's protocol conformance records: about 6 ms of a `pipette build` here, most of what
/// the process spends before it starts runc. This reader takes the plain forms (`APP`, `--stack
/// S`, `--opt=value`, `-o FILE`, repeated `--buildpack` and `--env`, `--skip-detect`) into a
/// `LocalBuild` without touching ArgumentParser's types. Anything else (`--help`, an unknown or
/// repeated option, a missing value or argument, `--`, a value that starts with `-`, input that
/// fails `validate()`) returns nil, and ArgumentParser parses the line as before, with its usage
/// and errors. `BuildCommandLineTests` checks that both readers agree, option by option.
enum BuildCommandLine {
    /// The options this reader knows; a test compares them with the ones `BuildCommand` declares.
    static let options = ["--stack", "--buildpack", "--skip-detect", "--output", "-o", "--start-command", "--timeout", "--env"]

    /// Whether `option` takes a value; nil for an option this reader does not know. (A switch:
    /// a dictionary's first use would cost another conformance scan.)
    static func takesValue(_ option: String) -> Bool? {
        switch option {
        case "--stack", "--buildpack", "--output", "-o", "--start-command", "--timeout", "--env": true
        case "--skip-detect": false
        default: nil
        }
    }

    /// `arguments` without the program's name; nil when ArgumentParser should read them.
    static func build(_ arguments: [String]) -> LocalBuild? {
        guard arguments.first == "build" else { return nil }
        var app: String?
        var single: [String: String] = [:]
        var buildpacks: [String] = []
        var pairs: [String] = []
        var skipDetect = false
        var rest = arguments.dropFirst()[...]
        while let word = rest.popFirst() {
            guard word.hasPrefix("-") else {
                guard app == nil, !word.isEmpty else { return nil }
                app = word
                continue
            }
            var name = word
            var value: String?
            if word.hasPrefix("--"), let equals = word.firstIndex(of: "=") {
                name = String(word[..<equals])
                value = String(word[word.index(after: equals)...])
                guard value != "" else { return nil }  // ArgumentParser: a missing value
            }
            guard let takesValue = takesValue(name) else { return nil }
            guard takesValue else {
                guard value == nil, !skipDetect else { return nil }
                skipDetect = true
                continue
            }
            if value == nil {
                guard let next = rest.popFirst(), !next.hasPrefix("-") else { return nil }
                value = next
            }
            guard let value else { return nil }
            switch name {
            case "--buildpack": buildpacks.append(value)
            case "--env": pairs.append(value)
            default:
                let key = name == "-o" ? "--output" : name
                guard single.updateValue(value, forKey: key) == nil else { return nil }
            }
        }
        guard let app, let stack = single["--stack"],
              let timeout = single["--timeout"].map({ Int($0) }) ?? LocalBuild.defaultTimeout else { return nil }
        let build = LocalBuild(app: app, stack: stack, buildpacks: buildpacks, skipDetect: skipDetect, output: single["--output"],
                               startCommand: single["--start-command"], timeout: timeout, environment: pairs)
        guard (try? build.validate()) != nil else { return nil }
        return build
    }
}
