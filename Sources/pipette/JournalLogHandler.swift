import Foundation
import Logging

/// Log lines for systemd's journal on stderr: `<N>` syslog priority prefixes (sd-daemon(3)), so
/// `journalctl -p warning` filters them, and no timestamps (the journal adds its own).
struct JournalLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// The syslog priority of a level (emerg 0 … debug 7).
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        let fields = all.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        // One line per record: a message's newlines would start lines the journal reads as info.
        let message = "\(event.message)".replacingOccurrences(of: "\n", with: " ")
        FileHandle.standardError.write(Data("<\(Self.priority(event.level))>\(label): \(message)\(fields)\n".utf8))
    }
}
