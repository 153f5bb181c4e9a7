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
            line((label + ":").padding(toLength: width, withPad: " ", startingAt: 0) + value)
        }
    }

    /// Rows as aligned columns (the first row is the header), two spaces apart.
    static func alignedColumns(_ rows: [[String]]) -> String {
        let widths = (rows.first ?? []).indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, text in
                column == row.count - 1 ? text : text.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    static func columns(_ rows: [[String]]) { line(alignedColumns(rows)) }
}
