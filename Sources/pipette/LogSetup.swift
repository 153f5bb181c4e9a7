import Logging

/// Logs to stderr at a level from config or flags; the seed's `debug2` means trace. Format `text`
/// (timestamped lines for a terminal) or `journal` (`JournalLogHandler`, for systemd).
enum LogSetup {
    static let formats = ["text", "journal"]

    static func bootstrap(level text: String?, format: String = "text") -> Logger.Level {
        let level: Logger.Level = switch text?.lowercased() {
        case "debug2", "trace": .trace
        case "debug", "debug1": .debug
        case "warn", "warning": .warning
        case "error": .error
        case "critical", "fatal": .critical
        default: .info
        }
        let journal = format == "journal"
        LoggingSystem.bootstrap { label in
            if journal { return JournalLogHandler(label: label, logLevel: level) }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return level
    }
}
