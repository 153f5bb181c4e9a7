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
            line(padded(label + ":", to: width) + value)
        }
    }

    /// Rows as aligned columns (the first row is the header), two spaces apart.
    static func alignedColumns(_ rows: [[String]]) -> String {
        let widths = (rows.first ?? []).indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, text in
                column == row.count - 1 ? text : padded(text, to: widths[column])
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    static func columns(_ rows: [[String]]) { line(alignedColumns(rows)) }

    /// `text` followed by spaces up to `width` characters (never cut). Not Foundation's
    /// `padding(toLength:)`, which goes through NSString and costs every command that prints a
    /// table three of the Swift runtime's conformance scans (BENCHMARKS.md).
    static func padded(_ text: String, to width: Int) -> String {
        let count = text.count
        return count >= width ? text : text + String(repeating: " ", count: width - count)
    }
}
