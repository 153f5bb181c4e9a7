import Foundation

/// Console output helpers: status lines to stderr, results to stdout.
enum Output {
    static func status(_ line: String) {
        write(line + "\n", to: STDERR_FILENO)
    }

    /// Writes a streamed line to stdout at once (unbuffered, so pipes see it live).
    static let line: @Sendable (String) -> Void = { line in
        write(line + "\n", to: STDOUT_FILENO)
    }

    /// `text` with write(2), whole (a line at once, so concurrent lines do not interleave in a
    /// pipe). A closed stdout or stderr loses the text rather than stopping the command. Not
    /// `FileHandle.write(Data(...))`: `Data`'s generic initialiser costs a conformance scan.
    private static func write(_ text: String, to descriptor: Int32) {
        var text = text
        text.withUTF8 { bytes in
            var rest = UnsafeRawBufferPointer(bytes)
            while !rest.isEmpty {
                let written = Foundation.write(descriptor, rest.baseAddress, rest.count)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                rest = UnsafeRawBufferPointer(rebasing: rest[written...])
            }
        }
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
