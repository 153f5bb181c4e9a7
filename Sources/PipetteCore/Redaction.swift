import Foundation

/// Removes secrets from text before it is logged or sent in a reply: the signatures of signed
/// URLs (anyone holding a blobstore PUT URL could overwrite that droplet) and passwords in URLs
/// (`nats://user:password@host`).
public enum Redaction {
    public static let mask = "REDACTED"

    /// Query parameters whose values are credentials (compared case-insensitively).
    static let secretParameters: Set<String> = [
        "signature", "sig", "token", "access_token", "password", "secret", "x-amz-signature",
        "x-amz-credential", "x-amz-security-token", "awsaccesskeyid", "x-goog-signature", "x-goog-credential",
    ]

    public static func redact(_ text: String) -> String {
        guard text.contains("=") || text.contains("@") else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count)
        var rest = Substring(text)
        while let match = nextSecret(in: rest) {
            result += rest[..<match.lowerBound]
            result += mask
            rest = rest[match.upperBound...]
        }
        result += rest
        return result
    }

    /// The range of the next secret value: a `name=value` whose name is a secret parameter, or
    /// the password of `scheme://user:password@`.
    private static func nextSecret(in text: Substring) -> Range<Substring.Index>? {
        var best: Range<Substring.Index>?
        if let parameter = nextParameterValue(in: text) { best = parameter }
        if let password = nextPassword(in: text), best == nil || password.lowerBound < best!.lowerBound { best = password }
        return best
    }

    private static func nextParameterValue(in text: Substring) -> Range<Substring.Index>? {
        var searchStart = text.startIndex
        while let equals = text[searchStart...].firstIndex(of: "=") {
            let nameStart = text[..<equals].lastIndex(where: { !isNameCharacter($0) }).map(text.index(after:)) ?? text.startIndex
            let name = text[nameStart..<equals].lowercased()
            let valueStart = text.index(after: equals)
            if secretParameters.contains(name), nameStart > text.startIndex,
               "?&;".contains(text[text.index(before: nameStart)]) || name == "signature" {
                let valueEnd = text[valueStart...].indices.first { isValueEnd(text[$0]) || isSentenceColon(at: $0, in: text) }
                    ?? text.endIndex
                if valueStart < valueEnd { return valueStart..<valueEnd }
            }
            searchStart = valueStart
        }
        return nil
    }

    private static func nextPassword(in text: Substring) -> Range<Substring.Index>? {
        var searchStart = text.startIndex
        while let scheme = text[searchStart...].range(of: "://") {
            let authority = text[scheme.upperBound...].prefix { !"/?# \t\n\"'".contains($0) }
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":"),
               text.index(after: colon) < at {
                return text.index(after: colon)..<at
            }
            searchStart = scheme.upperBound
        }
        return nil
    }

    private static func isNameCharacter(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "-" || c == "_" }
    private static func isValueEnd(_ c: Character) -> Bool { "&; \t\n\"')>,".contains(c) }

    /// A colon that ends a sentence's clause ("…?signature=…: No space left"), not part of a value.
    private static func isSentenceColon(at index: Substring.Index, in text: Substring) -> Bool {
        guard text[index] == ":" else { return false }
        let next = text.index(after: index)
        return next == text.endIndex || text[next].isWhitespace
    }

    /// Replaces the host path of a staging workspace (`/tmp/pipette-stage-…`, `/tmp/pipette-cell-…/task-…`)
    /// with `<workspace>`, keeping the part inside it: errors sent to clients name no host paths.
    public static func scrubWorkspaces(_ text: String) -> String {
        guard text.contains("/pipette-") else { return text }
        return text.replacingOccurrences(
            of: #"(/[^\s'"()]*)?/pipette-(stage|cell)-[A-Za-z0-9_.-]+(/task-[0-9a-f]+)?"#, with: "<workspace>",
            options: .regularExpression)
    }
}
