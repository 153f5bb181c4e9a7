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

    static func stamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return "\(c.year ?? 0)-\(two(c.month))-\(two(c.day)) \(two(c.hour)):\(two(c.minute)):\(two(c.second))"
    }
}
