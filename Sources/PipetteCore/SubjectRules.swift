/// NATS's rules for subjects built from untrusted input (a request's `task_id` or `log_subject`):
/// nothing here may reach the wire unchecked, since a space, tab, CR or LF in a subject makes
/// nats-server close the connection or lets a client inject protocol.
public enum SubjectRules {
    /// Longest subject Pipette publishes to; nats-server's whole control line is 4 KiB.
    public static let maxSubjectBytes = 256
    /// Longest `task_id`: it becomes one subject token and part of names on disk.
    public static let maxTaskIDBytes = 128

    /// Why `subject` may not be published to (a literal subject: tokens separated by `.`, none
    /// empty, no whitespace or control characters, no `*` or `>`), or nil when it may.
    public static func problem(inSubject subject: String) -> String? {
        if subject.isEmpty { return "is empty" }
        if subject.utf8.count > maxSubjectBytes { return "is longer than \(maxSubjectBytes) bytes" }
        if let bad = subject.unicodeScalars.first(where: isForbidden) { return "contains \(describe(bad))" }
        if subject.unicodeScalars.contains(where: { $0 == "*" || $0 == ">" }) { return "contains a wildcard (* or >)" }
        if subject.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) {
            return "has an empty token (starts or ends with a dot, or has two in a row)"
        }
        return nil
    }

    /// Why `id` cannot be a task id (1–128 letters, digits, `-`, `_` or `:`), or nil when it can.
    public static func problem(inTaskID id: String) -> String? {
        if id.isEmpty { return "is empty" }
        if id.utf8.count > maxTaskIDBytes { return "is longer than \(maxTaskIDBytes) characters" }
        if let bad = id.unicodeScalars.first(where: { !isTaskIDCharacter($0) }) {
            return "contains \(describe(bad)); use letters, digits, '-', '_' or ':'"
        }
        return nil
    }

    static func isTaskIDCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
            || scalar == "-" || scalar == "_" || scalar == ":")
    }

    /// Whitespace and control characters (including DEL and the C1 range).
    static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value <= 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.properties.isWhitespace
    }

    /// `a space`, `a tab`, `U+000D`: how a message names a character it refuses.
    static func describe(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case " ": "a space"
        case "\t": "a tab"
        case "\r": "a carriage return"
        case "\n": "a line feed"
        default:
            if scalar.isASCII, !isForbidden(scalar) { "'\(Character(scalar))'" }
            else { "the character U+" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4) }
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
