import ArgumentParser

/// `--env KEY=VALUE`, repeatable.
struct EnvironmentOption: ParsableArguments {
    @Option(name: .customLong("env"), help: ArgumentHelp("Set an environment variable (repeatable).", valueName: "KEY=VALUE"))
    var pairs: [String] = []

    func validate() throws { try KeyValuePairs.check(pairs, option: "env") }

    var environment: [String: String] { KeyValuePairs.dictionary(pairs) }
}
