/// Reads the usual command lines of the commands a user or a script runs once per staging
/// (`pipette build`, `pipette stage`) without ArgumentParser's reflection.
///
/// ArgumentParser learns a command's options by reflecting over it (`Mirror`, casts to its
/// property-wrapper protocols), and each first cast makes the Swift runtime scan every protocol
/// conformance record of the executable: about 40 scans, 5–10 ms of CPU, before a `pipette build`
/// or `pipette stage` starts its work (BENCHMARKS.md). This reader takes the plain forms
/// (`ARG`, `--opt value`, `--opt=value`, a short alias, repeated list options, flags) and gives the
/// words to the command's `QuickCommand.read`. Anything else (`--help`, an unknown or repeated
/// option, a missing value or argument, `--`, a value that starts with `-`, an empty `--opt=`)
/// gives nil, and ArgumentParser parses the line as before, with its usage and errors.
/// `QuickCommandLineTests` checks that both readers agree, command by command.
struct QuickCommandLine {
    enum Kind {
        /// `--opt value`, at most once.
        case value
        /// `--opt value`, repeatable, in order.
        case list
        /// `--opt`, at most once.
        case flag
    }

    /// One option: its long name, its short alias if any, what it takes.
    struct Option {
        let name: String
        var alias: String? = nil
        let kind: Kind
    }

    /// What a line said: positional words in order, and each option given with its value, in
    /// order, under its long name (a flag's value is empty). An array, not a dictionary: a
    /// dictionary type's first use costs another conformance scan.
    struct Words {
        var positionals: [String] = []
        var options: [(name: String, value: String)] = []

        /// The value of a `.value` option, if given.
        func value(_ name: String) -> String? { options.first { $0.name == name }?.value }
        func list(_ name: String) -> [String] { options.filter { $0.name == name }.map(\.value) }
        func flag(_ name: String) -> Bool { options.contains { $0.name == name } }
    }

    let options: [Option]

    /// The option `word` names (a long name or an alias).
    private func option(named word: String) -> Option? {
        options.first { $0.name == word || $0.alias == word }
    }

    /// The words of `arguments` (the subcommand's name already taken off); nil when ArgumentParser
    /// should read them.
    func read(_ arguments: ArraySlice<String>) -> Words? {
        var words = Words()
        var rest = arguments
        while let word = rest.popFirst() {
            guard word.hasPrefix("-") else {
                guard !word.isEmpty else { return nil }
                words.positionals.append(word)
                continue
            }
            var name = word
            var attached: String?
            if word.hasPrefix("--"), let equals = word.firstIndex(of: "=") {
                name = String(word[..<equals])
                attached = String(word[word.index(after: equals)...])
                guard attached != "" else { return nil }  // ArgumentParser: a missing value
            }
            guard let option = option(named: name) else { return nil }
            let givenBefore = words.flag(option.name)
            switch option.kind {
            case .flag:
                guard attached == nil, !givenBefore else { return nil }
            case .value, .list:
                guard option.kind == .list || !givenBefore else { return nil }
                if attached == nil {
                    guard let next = rest.popFirst(), !next.hasPrefix("-") else { return nil }
                    attached = next
                }
            }
            words.options.append((option.name, attached ?? ""))
        }
        return words
    }
}

/// A command with a quick reader: its plain value from the usual lines, and its work.
protocol QuickCommand: Sendable {
    /// The subcommand's name (`build`).
    static var name: String { get }
    /// The options it takes, as ArgumentParser declares them for it.
    static var commandLine: QuickCommandLine { get }
    /// The command from a line's words; nil (ArgumentParser reads the line) for anything the
    /// command's own checks would refuse.
    init?(_ words: QuickCommandLine.Words)
    func run() async throws
}

extension QuickCommand {
    /// The command from a whole line (`build APP --stack S`), or nil.
    static func read(_ arguments: [String]) -> Self? {
        guard arguments.first == name, let words = commandLine.read(arguments.dropFirst()) else { return nil }
        return Self(words)
    }
}
