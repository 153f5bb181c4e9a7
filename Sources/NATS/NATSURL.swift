/// NATS server URLs: as they may be shown (`nats://user:***@host:4222`, never with the password),
/// and what is wrong with one that cannot be a NATS server's.
///
/// Written with the standard library only: Foundation's `range(of:)` and `trimmingCharacters`
/// go through `NSString`, whose first uses cost a client command about 2 ms of the Swift
/// runtime's conformance scans (BENCHMARKS.md).
public enum NATSURL {
    /// Why `urls` (comma-separated) cannot name NATS servers, or nil: each is `nats://HOST[:PORT]`
    /// or `tls://HOST[:PORT]` (or `HOST:PORT`, which libnats reads as nats://), with a host.
    public static func problem(_ urls: String) -> String? {
        for url in urls.split(separator: ",", omittingEmptySubsequences: false) {
            let shown = redacted(String(url))
            let text = trimmed(url)
            let rest: Substring
            if let scheme = schemeSeparator(in: text) {
                guard ["nats", "tls"].contains(text[..<scheme.lowerBound].lowercased()) else {
                    return "\(shown) is not a NATS URL; use nats://HOST:4222 (tls://HOST:4222 for TLS; comma-separate several)"
                }
                rest = text[scheme.upperBound...]
            } else {
                rest = text
            }
            let hostPort = rest.split(separator: "@").last.map { $0.split(separator: "/").first ?? "" } ?? ""
            if hostPort.isEmpty || hostPort.hasPrefix(":") {
                return "\(shown.isEmpty ? "an empty URL" : shown) names no host; use nats://HOST:4222 (comma-separate several)"
            }
            if let colon = hostPort.lastIndex(of: ":"), !hostPort.hasSuffix("]") {
                let port = hostPort[hostPort.index(after: colon)...]
                guard let number = Int(port), (1...65535).contains(number) else {
                    return "\(shown) has port \(port), which is not 1 to 65535; NATS listens on 4222 by default"
                }
            }
        }
        return nil
    }

    public static func redacted(_ urls: String) -> String {
        var shown = ""
        for (index, url) in urls.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            if index > 0 { shown += "," }
            guard let scheme = schemeSeparator(in: url), let at = url[scheme.upperBound...].lastIndex(of: "@") else {
                shown += url
                continue
            }
            let userinfo = url[scheme.upperBound..<at]
            // A lone token is the secret itself.
            let kept = userinfo.firstIndex(of: ":").map { url.index(after: $0) } ?? scheme.upperBound
            shown += url[..<kept] + "***" + url[at...]
        }
        return shown
    }

    /// The URLs of a comma-separated list, each without the spaces around it; empty ones left out.
    static func list(_ urls: String) -> [String] {
        urls.split(separator: ",").map { String(trimmed($0)) }.filter { !$0.isEmpty }
    }

    /// `text` without the horizontal space (spaces, tabs: Foundation's `.whitespaces`) at its ends.
    static func trimmed(_ text: Substring) -> Substring {
        func isSpace(_ character: Character) -> Bool {
            character == "\t" || character.unicodeScalars.allSatisfy { $0.properties.generalCategory == .spaceSeparator }
        }
        guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) }) else {
            return text[text.endIndex...]
        }
        return text[first...last]
    }

    /// Where `://` is in `text`.
    static func schemeSeparator(in text: Substring) -> Range<Substring.Index>? {
        var index = text.startIndex
        while index < text.endIndex {
            if text[index...].hasPrefix("://") { return index..<text.index(index, offsetBy: 3) }
            index = text.index(after: index)
        }
        return nil
    }
}
