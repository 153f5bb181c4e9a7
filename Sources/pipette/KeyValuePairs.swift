import ArgumentParser

/// Repeatable `KEY=VALUE` options (`--env`, `--tag`): checked and turned into a dictionary.
enum KeyValuePairs {
    /// Throws a usage error naming the first pair that is not `KEY=VALUE`.
    static func check(_ pairs: [String], option: String) throws {
        for pair in pairs where !pair.contains("=") || pair.hasPrefix("=") {
            throw ValidationError("--\(option) \(pair): expected KEY=VALUE")
        }
    }

    /// The pairs as a dictionary; a later pair wins over an earlier one with the same key.
    static func dictionary(_ pairs: [String]) -> [String: String] {
        Dictionary(pairs.map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }) { _, last in last }
    }
}
