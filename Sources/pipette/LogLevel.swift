import ArgumentParser
import Logging

/// A log level as a flag or a config file names it: trace, debug, info, warning, error or
/// critical (the seed's `debug2` is trace, `debug1` debug; `warn` and `fatal` are taken too). An
/// unknown name is refused with the list, never read as info.
struct LogLevel: ExpressibleByArgument, Sendable, Equatable {
    let level: Logger.Level

    static let info = LogLevel(level: .info)
    static let names = ["trace", "debug", "info", "warning", "error", "critical"]
    static var allValueStrings: [String] { names }
    static var defaultCompletionKind: CompletionKind { .list(names) }

    /// The canonical name, as a config file keeps it.
    var name: String { level.rawValue }
    var defaultValueDescription: String { name }

    private init(level: Logger.Level) { self.level = level }

    init?(argument: String) {
        switch argument.lowercased() {
        case "trace", "debug2": level = .trace
        case "debug", "debug1": level = .debug
        case "info": level = .info
        case "warning", "warn": level = .warning
        case "error": level = .error
        case "critical", "fatal": level = .critical
        default: return nil
        }
    }

    /// The level a config file's `setting` names; a usage error naming the setting and the choices.
    static func named(_ text: String, in setting: String) throws -> LogLevel {
        guard let level = LogLevel(argument: text) else {
            throw ValidationError("\(setting) \"\(text)\" is not a log level; use one of "
                                  + names.joined(separator: ", ") + " (the seed's debug2 is trace)")
        }
        return level
    }
}
