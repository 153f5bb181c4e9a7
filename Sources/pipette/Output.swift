import Foundation

/// Console output helpers: status lines to stderr, results to stdout.
enum Output {
    static func status(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Writes a streamed line to stdout at once (unbuffered, so pipes see it live).
    static let line: @Sendable (String) -> Void = { line in
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Two aligned columns: `label:  value`.
    static func table(_ rows: [(String, String)]) {
        let width = (rows.map(\.0.count).max() ?? 0) + 2
        for (label, value) in rows {
            print((label + ":").padding(toLength: width, withPad: " ", startingAt: 0) + value)
        }
    }
}
