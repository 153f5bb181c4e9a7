import Foundation

/// The staging log as the seed prints it: `[2013-02-14 11:25:28] Downloading application`.
public struct TaskLog: Sendable, Equatable {
    public private(set) var lines: [String] = []

    public init() {}

    /// Appends `message` stamped with `date` (UTC) and returns the stamped line.
    @discardableResult
    public mutating func append(_ message: String, at date: Date = Date()) -> String {
        let line = appending(message, at: date)
        lines.append(line)
        return line
    }

    /// `message` stamped as a log line (for one line published alone).
    public func appending(_ message: String, at date: Date = Date()) -> String { "[\(Self.stamp(date))] \(message)" }

    /// The whole log, one line each, ending in a newline (empty when nothing was logged).
    public var text: String { lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n" }

    /// `YYYY-MM-DD hh:mm:ss` in UTC, by `gmtime_r`: a Gregorian calendar per line was most of
    /// the stager's cost of a log line.
    static func stamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var t = tm()
        gmtime_r(&seconds, &t)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(t.tm_year + 1900)-\(two(t.tm_mon + 1))-\(two(t.tm_mday)) \(two(t.tm_hour)):\(two(t.tm_min)):\(two(t.tm_sec))"
    }
}
