import Logging
import Synchronization

/// Logs to stderr at a level from config or flags (``LogLevel``). Format `text`
/// (timestamped lines for a terminal) or `journal` (`JournalLogHandler`, for systemd).
/// A process has one set-up: only the first call counts (`pipette together` makes that call
/// itself). Each service's logger still takes the level its own flags or config name, so inside
/// `together` a service given `--log-level debug` logs at debug and the others at together's level.
enum LogSetup {
    static let formats = ["text", "journal"]
    private static let done = Mutex<Logger.Level?>(nil)

    /// Sets up logging for the process, once; returns the level in force.
    @discardableResult
    static func bootstrap(level named: LogLevel?, format: String = "text") -> Logger.Level {
        let level = (named ?? .info).level
        return done.withLock { done in
            if let done { return done }
            done = level
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

    /// Sets up logging for the process (the first call only) and returns a service's logger: at
    /// `level` when the service's flags or config name one, else at the process's level.
    static func logger(_ label: String, level: LogLevel?, format: String = "text") -> Logger {
        bootstrap(level: level, format: format)
        var logger = Logger(label: label)
        if let level { logger.logLevel = level.level }
        return logger
    }
}
