import Foundation

/// One line of an app's log as it is published on `pipette.logs.<app>.<source>` and kept in the
/// `PIPETTE_LOGS` JetStream stream: staging output now (source `STG`), instance output later (`APP`).
public struct LogLine: Codable, Sendable, Equatable {
    public enum Source: String, Codable, Sendable {
        /// A staging task's log (the seed's lines and the buildpacks' output).
        case staging = "STG"
        /// An app instance's stdout and stderr.
        case app = "APP"
    }

    public var app: String
    public var source: Source
    /// The staging task, for `STG` lines.
    public var taskID: String?
    /// The instance index, for `APP` lines.
    public var index: Int?
    /// Seconds since 1970 (UTC).
    public var timestamp: Double
    public var text: String

    public init(app: String, source: Source, taskID: String? = nil, index: Int? = nil, timestamp: Double = Date().timeIntervalSince1970, text: String) {
        self.app = app
        self.source = source
        self.taskID = taskID
        self.index = index
        self.timestamp = timestamp
        self.text = text
    }

    enum CodingKeys: String, CodingKey {
        case app, source, index, timestamp, text
        case taskID = "task_id"
    }

    /// The line as `JSONEncoder` writes it (nil members left out), written by hand: a stager
    /// publishes one for every line of every staging and a cell one for every line an app
    /// prints, and `JSONEncoder` took about a twelfth of a stager's CPU doing it (BENCHMARKS.md).
    /// `LogLineTextTests` compares the two.
    public var jsonText: String {
        JSONText.object(("app", JSONText.string(app)), ("source", JSONText.string(source.rawValue)),
                        ("task_id", taskID.map { JSONText.string($0) }), ("index", index.map { String($0) }),
                        ("timestamp", JSONText.number(timestamp)), ("text", JSONText.string(text)))
    }

    /// `[STG task-1] [2026-11-30 04:13:01] Downloading application`, as `pipette logs` prints it.
    public var display: String {
        let origin = source == .staging ? (taskID ?? "") : index.map(String.init) ?? ""
        return "[\(source.rawValue)\(origin.isEmpty ? "" : " " + origin)] \(text)"
    }
}

/// The stream that keeps every app's log lines, and its limits.
public enum LogStream {
    public static let name = "PIPETTE_LOGS"
    public static let subjects = ["pipette.logs.>"]
    public static let maxAge: Duration = .seconds(7 * 24 * 3600)
    public static let maxBytes: Int64 = 256 << 20

    /// Where `app`'s lines from `source` are published.
    public static func subject(app: String, source: LogLine.Source) -> String {
        "pipette.logs.\(Subjects.token(app)).\(source.rawValue)"
    }

    /// Every app's lines from `source`.
    public static func subjects(source: LogLine.Source) -> String { "pipette.logs.*.\(source.rawValue)" }

    /// Every line of `app` (apps whose names map to the same token share it; readers filter by `app`).
    public static func filter(app: String) -> String { "pipette.logs.\(Subjects.token(app)).>" }
}
