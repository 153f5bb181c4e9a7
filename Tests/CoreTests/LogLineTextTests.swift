import Foundation
import PipetteCore
import Testing

/// Log lines are published as `LogLine.jsonText`, written by hand; `pipette logs` and the
/// `PIPETTE_LOGS` stream's readers decode them as `JSONEncoder` would have written them.
@Suite("Log lines written by hand")
struct LogLineTextTests {
    static let lines: [LogLine] = [
        LogLine(app: "static", source: .staging, taskID: "0b5e7f3a-1111", timestamp: 1796175132.3932862,
                text: "[2026-12-02 01:32:12] Downloading application"),
        LogLine(app: "sinatra", source: .app, index: 3, timestamp: 1796175132, text: "GET / 200 \"quoted\" \\ back\tslash\u{1}"),
        LogLine(app: "ünïcode app", source: .app, index: 0, timestamp: 0.5, text: ""),
        LogLine(app: "a", source: .staging, taskID: nil, index: nil, timestamp: 1e9 + 0.125, text: "Ω \u{1F600}\r\n"),
        LogLine(app: "now", source: .staging, text: "with the current time"),
    ]

    @Test(arguments: lines)
    func saysWhatJSONEncoderSays(line: LogLine) throws {
        let byHand = try JSONDecoder().decode(JSONValue.self, from: Data(line.jsonText.utf8))
        let encoded = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(line))
        #expect(byHand == encoded, "\(line.jsonText)")
        #expect(try JSONDecoder().decode(LogLine.self, from: Data(line.jsonText.utf8)) == line)
    }
}
