import Logging

/// Logs to stderr at a level from config or flags; the seed's `debug2` means trace.
enum LogSetup {
    static func bootstrap(level text: String?) -> Logger.Level {
        let level: Logger.Level = switch text?.lowercased() {
        case "debug2", "trace": .trace
        case "debug", "debug1": .debug
        case "warn", "warning": .warning
        case "error": .error
        case "critical", "fatal": .critical
        default: .info
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return level
    }
}
