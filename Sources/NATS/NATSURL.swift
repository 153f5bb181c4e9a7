import Foundation

/// NATS server URLs: as they may be shown (`nats://user:***@host:4222`, never with the password),
/// and what is wrong with one that cannot be a NATS server's.
public enum NATSURL {
    /// Why `urls` (comma-separated) cannot name NATS servers, or nil: each is `nats://HOST[:PORT]`
    /// or `tls://HOST[:PORT]` (or `HOST:PORT`, which libnats reads as nats://), with a host.
    public static func problem(_ urls: String) -> String? {
        for url in urls.split(separator: ",", omittingEmptySubsequences: false) {
            let shown = redacted(String(url))
            let text = url.trimmingCharacters(in: .whitespaces)
            let rest: Substring
            if let scheme = text.range(of: "://") {
                guard ["nats", "tls"].contains(text[..<scheme.lowerBound].lowercased()) else {
                    return "\(shown) is not a NATS URL; use nats://HOST:4222 (tls://HOST:4222 for TLS; comma-separate several)"
                }
                rest = text[scheme.upperBound...]
            } else {
                rest = Substring(text)
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
        urls.split(separator: ",", omittingEmptySubsequences: false).map { url -> String in
            guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].lastIndex(of: "@") else { return String(url) }
            let userinfo = url[scheme.upperBound..<at]
            guard let colon = userinfo.firstIndex(of: ":") else {
                // A lone token is the secret itself.
                return url[..<scheme.upperBound] + "***" + url[at...]
            }
            return url[..<url.index(after: colon)] + "***" + url[at...]
        }.joined(separator: ",")
    }
}
