import ArgumentParser

/// `--env KEY=VALUE`, repeatable.
struct EnvironmentOption: ParsableArguments {
    @Option(name: .customLong("env"), help: ArgumentHelp("Set an environment variable (repeatable).", valueName: "KEY=VALUE"))
    var pairs: [String] = []

    func validate() throws {
        for pair in pairs where !pair.contains("=") || pair.hasPrefix("=") {
            throw ValidationError("--env \(pair): expected KEY=VALUE")
        }
    }

    var environment: [String: String] {
        Dictionary(pairs.map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }) { _, last in last }
    }
}
